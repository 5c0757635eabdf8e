# The SPML head mixed into another mmseg model: a SegFormer MiT-B2 backbone
# with SegFormer's all-MLP decoder giving the 64-d embeddings; the rest as
# spml_r101_voc_scribble.py (Table 5 scribble weights, 12 images per batch).
_base_ = ['./spml_r101_voc_scribble.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=64,
        num_stages=4,
        num_layers=[3, 4, 6, 3],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1),
    decode_head=dict(
        decoder=dict(
            _delete_=True,
            type='SegformerHead',
            in_channels=[64, 128, 320, 512],
            in_index=[0, 1, 2, 3],
            channels=256,
            norm_cfg=norm_cfg,
            align_corners=False)))
