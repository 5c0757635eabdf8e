"""Visual words encoder of VWE (Ru et al., IJCAI'21)."""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsss.registry import MODELS


@MODELS.register_module()
class VisualWordsEncoder(nn.Module):
    """Soft assignment of feature-map positions to a learnable codebook.

    With ``S_ij`` the cosine similarity of position ``i``'s feature and word
    ``j`` (Eq. 1), each position is softly assigned to the words by
    ``P_ij = softmax_j(S_ij)`` (Eq. 2, no temperature). The soft word
    histogram ``f^word`` is the mean of ``P`` over the positions (Eq. 4) and
    the word label ``y^word`` marks the words that are the argmax of some
    position (Eq. 3; one position suffices).

    The codebook is learned by backpropagation only (there is no k-means
    or EMA update); the paper does not state its initialisation, it is
    drawn from a standard normal distribution (mean 0, std 1).

    Args:
        in_channels (int): Feature dimension ``d``.
        num_words (int): Codebook size ``k``. Defaults to 256.
        temperature (float): The softmax is over ``S_ij / temperature``;
            1.0 (default) is the paper's. With cosines in [-1, 1] the
            paper's assignment is close to uniform (at most e^2 between
            two words); a smaller temperature sharpens it (an ablation, not
            the paper's method).
    """

    def __init__(self, in_channels: int, num_words: int = 256,
                 temperature: float = 1.0):
        super().__init__()
        for name, value in (('in_channels', in_channels),
                            ('num_words', num_words)):
            valid = isinstance(value, int) and not isinstance(value, bool)
            if not valid or value < 1:
                raise ValueError(f'{name} must be a positive int, got '
                                 f'{value!r}')
        self.in_channels = in_channels
        self.num_words = num_words
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        self.temperature = float(temperature)
        self.codebook = nn.Parameter(torch.empty(num_words, in_channels))
        self.reset_parameters()

    def reset_parameters(self):
        """Draw the codebook from N(0, 1)."""
        nn.init.normal_(self.codebook, mean=0.0, std=1.0)

    def forward(self, feats: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Encode a feature map.

        Args:
            feats (Tensor): (B, in_channels, h, w) features.

        Returns:
            dict[str, Tensor]:

            - ``assign``: (B, k, h, w) soft assignment ``P``, a softmax over
              the words (dim 1) of the cosine similarities.
            - ``hist``: (B, k) soft word histogram ``f^word``, the mean of
              ``assign`` over the positions (rows sum to 1).
            - ``word_labels``: (B, k) float multi-hot word label
              ``y^word``: 1 for the words that are the argmax of the cosine
              similarity (equivalently of ``assign``) at some position.
              Computed without gradient.
        """
        if feats.dim() != 4:
            raise ValueError('VisualWordsEncoder expects a 4-D '
                             '(B, C, h, w) input, got shape '
                             f'{tuple(feats.shape)}')
        if feats.shape[1] != self.in_channels:
            raise ValueError(f'VisualWordsEncoder has in_channels='
                             f'{self.in_channels} but the input has '
                             f'{feats.shape[1]} channels')
        if feats.shape[2] == 0 or feats.shape[3] == 0:
            raise ValueError('VisualWordsEncoder got an empty spatial size '
                             f'{tuple(feats.shape[2:])}')
        codebook = self.codebook.to(feats.dtype)
        cosine = torch.einsum('bdhw,kd->bkhw', F.normalize(feats, dim=1),
                              F.normalize(codebook, dim=1))
        assign = (cosine / self.temperature).softmax(dim=1)
        hist = assign.mean(dim=(2, 3))
        with torch.no_grad():
            winners = cosine.argmax(dim=1).flatten(1)  # (B, h*w)
            word_labels = cosine.new_zeros(hist.shape)
            word_labels.scatter_(1, winners, 1.0)
        return dict(assign=assign, hist=hist, word_labels=word_labels)

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, num_words={self.num_words}, '
                f'temperature={self.temperature}')
