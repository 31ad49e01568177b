"""The exported decoders' causal convolutions computed frame by frame (frame_convs.py) are the
same function as the nets' Conv3d, and their weights map back."""
from __future__ import annotations

import torch

from spacetime.frame_convs import FrameConv, frame_convs, unstack_taps
from spacetime.nets.vae import CausalConv3d, VAEConfig, VideoAutoencoder


def test_a_frame_conv_is_its_causal_conv():
    torch.manual_seed(0)
    causal = CausalConv3d(5, 7)
    x = torch.randn(2, 5, 4, 6, 9)  # batch 2, 4 frames of 6x9
    with torch.no_grad():
        assert torch.allclose(FrameConv(causal)(x), causal(x), atol=1e-5)
        w = causal.conv.weight
        stacked = w.permute(0, 2, 1, 3, 4).reshape(7, 15, 3, 3)
        assert torch.equal(unstack_taps(stacked, w.shape), w)


def test_a_decoder_with_frame_convs_decodes_the_same_and_its_original_is_untouched():
    torch.manual_seed(0)
    vae = VideoAutoencoder(VAEConfig(latent_channels=4, channels=(8, 16))).eval()
    frames = frame_convs(vae)
    convs = [m for m in frames.modules() if isinstance(m, FrameConv)]
    assert convs and not any(isinstance(m, FrameConv) for m in vae.modules())
    assert not any(isinstance(m, CausalConv3d) and m.pad_t for m in frames.modules())
    z = torch.randn(1, 4, 3, 4, 5)
    with torch.no_grad():
        assert torch.allclose(frames.decode(z), vae.decode(z), atol=1e-4)
