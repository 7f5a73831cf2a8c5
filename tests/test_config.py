"""Settings: the signing key kept beside a SQLite database, and refused when it must be set."""

import stat

import pytest

from facilitator.config import ConfigurationError, Settings, kept_secret_key


def test_without_a_secret_key_sqlite_keeps_one_beside_its_file_readable_by_its_owner_alone(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/data/facilitator.db", secret_key="")
    key = settings.signing_key
    kept = tmp_path / "data" / "secret.key"
    assert kept.read_text().strip() == key and len(key) >= 40
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert list(kept.parent.iterdir()) == [kept]  # no draft left behind


def test_the_kept_key_is_the_same_at_the_next_start(tmp_path):
    url = f"sqlite:///{tmp_path}/facilitator.db"
    first = Settings(database_url=url, secret_key="").signing_key
    assert Settings(database_url=url, secret_key="").signing_key == first
    assert Settings(database_url=f"sqlite:///{tmp_path}/other/f.db", secret_key="").signing_key != first


def test_a_kept_key_others_could_read_is_made_private_again(tmp_path):
    path = tmp_path / "secret.key"
    path.write_text("an-older-key\n")
    path.chmod(0o644)
    assert kept_secret_key(path) == "an-older-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_empty_key_file_is_refused_with_a_sentence(tmp_path):
    (tmp_path / "secret.key").write_text("")
    with pytest.raises(ConfigurationError, match="empty"):
        kept_secret_key(tmp_path / "secret.key")


def test_a_set_secret_key_wins_and_nothing_is_written(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/facilitator.db", secret_key="set-by-hand")
    assert settings.signing_key == "set-by-hand"
    assert not (tmp_path / "secret.key").exists()


def test_another_database_without_a_secret_key_is_refused(tmp_path):
    settings = Settings(database_url="postgresql://facilitator@db/facilitator", secret_key="")
    with pytest.raises(ConfigurationError, match="Set SECRET_KEY"):
        settings.signing_key  # noqa: B018


def test_an_in_memory_database_gets_a_key_for_this_start_only():
    first = Settings(database_url="sqlite://", secret_key="").signing_key
    assert first != Settings(database_url="sqlite://", secret_key="").signing_key
