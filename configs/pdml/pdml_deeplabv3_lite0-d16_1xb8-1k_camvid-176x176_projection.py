# pdml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py with the other reading of
# PDML's embedding layer: the ASPP keeps its 1x1 classifier, given 128 outputs,
# and those (linear, before PDMLHead's classifier g) are the embeddings f. A
# comparison row of the CamVid point benchmark.
_base_ = ['./pdml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py']
model = dict(decode_head=dict(embedding='projection', embed_dim=128))
