from pathlib import Path

import pytest

from vae_tutorial import settings


def test_defaults_are_small_and_valid(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith(settings.ENV_PREFIX):
            monkeypatch.delenv(name)
    s = settings.load()
    assert s.dataset == "auto"
    assert s.latent_dim == 16
    assert "Smiling" in s.attributes and "Eyeglasses" in s.attributes
    assert s.run_dir("synthetic").parent == s.data_dir / "runs"


def test_environment_overrides_every_kind_of_field(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_TUTORIAL_EPOCHS", "3")
    monkeypatch.setenv("VAE_TUTORIAL_BETA", "0.5")
    monkeypatch.setenv("VAE_TUTORIAL_ATTRIBUTES", "Smiling, Male")
    monkeypatch.setenv("VAE_TUTORIAL_DATA_DIR", str(tmp_path))
    s = settings.load()
    assert (s.epochs, s.beta, s.attributes, s.data_dir) == (3, 0.5, ("Smiling", "Male"), Path(tmp_path))


def test_keyword_overrides_win_over_environment(monkeypatch):
    monkeypatch.setenv("VAE_TUTORIAL_EPOCHS", "3")
    assert settings.load(epochs=7).epochs == 7


@pytest.mark.parametrize(
    "env, value, message",
    [
        ("VAE_TUTORIAL_DATASET", "imagenet", "VAE_TUTORIAL_DATASET"),
        ("VAE_TUTORIAL_EPOCHS", "many", "VAE_TUTORIAL_EPOCHS='many'"),
        ("VAE_TUTORIAL_ARCHITECTURE", "resnet", "article"),
        ("VAE_TUTORIAL_BATCH_SIZE", "0", "batch_size=0"),
    ],
)
def test_bad_values_say_what_to_fix(monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    with pytest.raises(ValueError, match=message):
        settings.load()


def test_unknown_keyword_lists_valid_ones():
    with pytest.raises(TypeError, match="latent_dim"):
        settings.load(latent_size=3)


def test_table_shows_every_setting_and_how_to_change_it():
    table = settings.load().table()
    for field in ("dataset", "image_size", "epochs", "attributes"):
        assert field in table
    assert "VAE_TUTORIAL_" in table


def test_stand_ins_keep_present_attributes_and_lend_others(capsys):
    s = settings.load(dataset="synthetic", attributes=("Smiling", "Male"))
    assert s.stand_ins("Smiling", "Eyeglasses", "Bald") == {"Smiling": "Smiling", "Eyeglasses": "Male",
                                                             "Bald": "Smiling"}
    assert "Male for Eyeglasses" in capsys.readouterr().out
    assert s.stand_ins("Male") == {"Male": "Male"}
    assert capsys.readouterr().out == ""
