"""Install mmwsss: ``pip install --no-build-isolation -e .`` (see README)."""
import glob
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_ITEMS = ['configs', 'tools', 'model-index.yml']


def readme():
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version():
    scope = {}
    with open(osp.join(HERE, 'mmwsss', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def add_mim_extension():
    """Ship configs and tools inside the package as ``mmwsss/.mim``.

    ``_base_ = 'mmwsss::...'`` in a user's config resolves through this folder.
    An editable install links the folders, a regular install copies them.
    """
    import sys
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(a in sys.argv for a in ('sdist', 'bdist_wheel', 'install')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmwsss', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_ITEMS:
        src, dst = osp.join(HERE, name), osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


def get_extensions():
    """C++ (always) and CUDA (when available or FORCE_CUDA=1) kernels."""
    csrc = osp.join('mmwsss', 'ops', 'csrc')
    if not osp.isdir(csrc):
        return []
    import torch
    from torch.utils.cpp_extension import (CUDA_HOME, CppExtension,
                                           CUDAExtension)
    sources = sorted(glob.glob(osp.join(csrc, 'pytorch', '*.cpp')) +
                     glob.glob(osp.join(csrc, 'cpu', '*.cpp')))
    # -fopenmp: at::parallel_for runs serially in code built without it
    extra = {'cxx': ['-O3', '-std=c++20', '-fopenmp']}
    define_macros = []
    force_cuda = os.getenv('FORCE_CUDA', '0') == '1'
    if force_cuda or (torch.cuda.is_available() and CUDA_HOME is not None):
        sources += sorted(glob.glob(osp.join(csrc, 'cuda', '*.cu')))
        define_macros.append(('WITH_CUDA', None))
        extra['nvcc'] = ['-O3', '-std=c++20']
        ext_cls = CUDAExtension
    else:
        ext_cls = CppExtension
    return [
        ext_cls(
            name='mmwsss._ext',
            sources=sources,
            include_dirs=[osp.abspath(osp.join(csrc, 'common'))],
            define_macros=define_macros,
            extra_compile_args=extra,
            extra_link_args=['-fopenmp'])
    ]


if __name__ == '__main__':
    add_mim_extension()
    ext_modules = get_extensions()
    cmdclass = {}
    if ext_modules:
        from torch.utils.cpp_extension import BuildExtension
        cmdclass['build_ext'] = BuildExtension.with_options(use_ninja=True)
    setup(
        name='mmwsss',
        version=get_version(),
        description='Weakly supervised semantic segmentation for '
        'mmsegmentation: points, scribbles, boxes, tags and keypoints',
        long_description=readme(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.10',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        package_data={
            'mmwsss':
            ['.mim/configs/**/*', '.mim/tools/**/*', '.mim/model-index.yml']
        },
        install_requires=[
            'mmengine==0.10.7', 'mmsegmentation==1.2.2', 'numpy',
            'opencv-python-headless', 'scipy', 'scikit-image', 'tqdm'
        ],
        ext_modules=ext_modules,
        cmdclass=cmdclass,
        zip_safe=False)
