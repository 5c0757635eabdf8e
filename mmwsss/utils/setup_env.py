from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmwsss (and mmseg) module so that it is registered.

    Args:
        init_default_scope (bool): Whether to set the default scope to
            ``'mmwsss'``. Defaults to True.
    """
    import mmseg.utils
    mmseg.utils.register_all_modules(init_default_scope=False)
    import mmwsss.datasets  # noqa: F401
    import mmwsss.datasets.transforms  # noqa: F401
    import mmwsss.engine  # noqa: F401
    import mmwsss.evaluation  # noqa: F401
    import mmwsss.models  # noqa: F401
    import mmwsss.visualization  # noqa: F401
    if init_default_scope:
        never_created = (DefaultScope.get_current_instance() is None
                         or not DefaultScope.check_instance_created('mmwsss'))
        if never_created:
            DefaultScope.get_instance('mmwsss', scope_name='mmwsss')
