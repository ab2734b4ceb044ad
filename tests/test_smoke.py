from xsessions_core import crypto


def test_backend_is_active(backend: str) -> None:
    assert crypto.BACKEND == backend
    assert crypto.pedersen_hash(0, 0) == 0x49EE3EBA8C1600700EE1B87EB599F16716B0B1022947733551FDE4050CA6804
