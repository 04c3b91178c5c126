import pytest

from xyd_common.sealed import InvalidToken, new_key, seal, unseal


def test_sealed_code_opens_with_the_shared_key_and_hides_the_plaintext():
    key = new_key()
    sealed = seal(key, "482913")
    assert "482913" not in sealed
    assert unseal(key, sealed) == "482913"


def test_two_seals_of_the_same_code_differ():
    key = new_key()
    assert seal(key, "482913") != seal(key, "482913")


def test_sealed_code_does_not_open_with_another_key():
    sealed = seal(new_key(), "482913")
    with pytest.raises(InvalidToken):
        unseal(new_key(), sealed)


def test_altered_sealed_code_does_not_open():
    key = new_key()
    sealed = seal(key, "482913")
    altered = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    with pytest.raises(InvalidToken):
        unseal(key, altered)


def test_during_a_rotation_the_new_key_seals_and_either_key_opens():
    old, new = new_key(), new_key()
    sealed_before = seal(old, "482913")
    rotating = f"{new},{old}"
    sealed_during = seal(rotating, "130522")
    assert unseal(rotating, sealed_before) == "482913"
    assert unseal(new, sealed_during) == "130522"
    with pytest.raises(InvalidToken):
        unseal(old, sealed_during)
