import pytest


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Models this small only wait on extra threads, badly so when other processes share the cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
