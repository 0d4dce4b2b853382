"""Where training runs: the fastest available accelerator unless told otherwise."""
from __future__ import annotations

import torch


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.insert(0, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.insert(0 if "cuda" not in found else 1, "mps")
    return found


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA, then Apple MPS, then CPU; a named device must exist."""
    found = available_devices()
    if name == "auto":
        return torch.device(found[0])
    if name not in found:
        raise ValueError(f"device {name!r} is not available here; available: {found} (or 'auto')")
    return torch.device(name)


def describe(device: torch.device) -> str:
    """A human name for the device, e.g. 'cuda (NVIDIA H200)' or 'cpu (2 threads)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
