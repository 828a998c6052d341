"""Nothing silent, nothing raw: stale caches, damaged images, two processes at once, one-line errors."""

import errno
import filecmp
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from vae_tutorial import __main__ as cli
from vae_tutorial import celeba, data, pipeline, settings, synthetic, training, uint8_cache

N, SIZE = 40, 16
TINY = ["--image-size", str(SIZE), "--batch-size", "8", "--latent-dim", "4", "--attributes", "Smiling,Eyeglasses"]


@pytest.fixture
def root(tmp_path):
    return synthetic.generate(tmp_path / "faces", n=N, seed=5, progress=False)


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(settings.ENV_PREFIX):
            monkeypatch.delenv(name)


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "vae_tutorial", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def _one_line_error(done, *phrases):
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(error) == 1, done.stderr
    for phrase in phrases:
        assert phrase in error[0], error[0]


# --- 1. a cache knows what it was made from ------------------------------------------------------


def test_the_synthetic_folder_is_named_after_its_seed():
    assert settings.load(seed=0).synthetic_dir != settings.load(seed=1).synthetic_dir


def test_a_cache_of_redrawn_faces_is_made_again(root, capsys):
    pipeline.load_arrays(root, "all", SIZE, cache=True)
    synthetic.generate(root, n=N, seed=6, progress=False)  # other faces in the same folder
    cached, labels = pipeline.load_arrays(root, "all", SIZE, cache=True)
    cold, cold_labels = pipeline.load_arrays(root, "all", SIZE)
    assert "made from other files" in capsys.readouterr().out
    np.testing.assert_array_equal(labels, cold_labels)
    assert np.abs(cached - cold).max() <= 1 / 255 + 1e-6


def test_a_cache_notices_one_changed_image(root):
    uint8_cache.prepare(root, SIZE, progress=False)
    name = celeba.load_attributes(root).index[3]
    path = celeba.images_dir(root) / name
    Image.new("RGB", (celeba.IMAGE_WIDTH, celeba.IMAGE_HEIGHT), (255, 0, 0)).save(path)
    assert uint8_cache.progress(root, SIZE)[0] == 0  # stale: not ready any more
    images, _ = pipeline.load_arrays(root, "all", SIZE, cache=True)
    assert images[3].mean(axis=(0, 1)) == pytest.approx([1, 0, 0], abs=0.02)


def test_a_cache_cut_short_is_made_again(root, capsys):
    path = uint8_cache.prepare(root, SIZE, progress=False)
    reference = np.load(path).copy()
    with open(path, "r+b") as file:  # as a full disk would leave it
        file.truncate(path.stat().st_size // 2)
    again = uint8_cache.prepare(root, SIZE, progress=False)
    assert "damaged" in capsys.readouterr().out
    np.testing.assert_array_equal(np.load(again), reference)


def test_a_read_only_data_folder_caches_in_the_user_cache_folder(root, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user_cache"))
    beside = root / uint8_cache.DIRNAME
    real_writable = uint8_cache._writable
    monkeypatch.setattr(uint8_cache, "_writable", lambda folder: folder != beside and real_writable(folder))
    path = uint8_cache.prepare(root, SIZE, progress=False)
    assert path.parent == uint8_cache.user_dir(root) and (tmp_path / "user_cache") in path.parents
    assert "cannot be written, so the cache goes to" in capsys.readouterr().out
    assert not (beside / path.name).exists()


# --- 2. damaged images are named on every path ---------------------------------------------------


def _damage(path, kind):
    if kind == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "random bytes":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    elif kind == "png":
        Image.new("RGB", (celeba.IMAGE_WIDTH, celeba.IMAGE_HEIGHT)).save(path, "PNG")
    elif kind == "small":
        Image.new("RGB", (120, 150)).save(path, "JPEG")


KINDS = ("truncated", "empty", "random bytes", "png", "small")


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_image_is_named_by_the_fast_path(root, kind):
    name = celeba.load_attributes(root).index[7]
    _damage(celeba.images_dir(root) / name, kind)
    with pytest.raises(celeba.DamagedImagesError, match=name):
        uint8_cache.prepare(root, SIZE, progress=False)
    with pytest.raises(celeba.DamagedImagesError, match=name):
        pipeline.load_arrays(root, "all", SIZE)


def test_verify_decodes_every_image_and_lists_all_bad_ones(root):
    names = celeba.load_attributes(root).index
    assert celeba.verify(root, check_md5=False, check_images=True, progress=False).ok
    for name, kind in zip(names[2:], KINDS):
        _damage(celeba.images_dir(root) / name, kind)
    report = celeba.verify(root, check_md5=False, check_images=True, progress=False)
    assert not report.ok and [name for name, _ in report.damaged] == list(names[2:2 + len(KINDS)])
    text = str(report)
    assert "All checks passed" not in text and all(name in text for name in names[2:2 + len(KINDS)])
    assert "not a JPEG but PNG" in text and "120×150 pixels" in text


def test_the_command_line_names_a_damaged_or_missing_image_in_one_line(root, tmp_path):
    names = celeba.load_attributes(root).index
    _damage(celeba.images_dir(root) / names[4], "truncated")
    done = _cli("train", "--data", str(root), "--out", str(tmp_path / "run"), "--epochs", "1", *TINY)
    _one_line_error(done, names[4], "re-download")
    (celeba.images_dir(root) / names[4]).unlink()
    done = _cli("prepare", "--data", str(root), "--image-size", str(SIZE))
    _one_line_error(done, names[4], "missing")
    done = _cli("verify", "--data", str(root), "--images", "--no-md5")
    assert done.returncode == 1 and names[4] in done.stdout and "Traceback" not in done.stderr


# --- 3 and 4. two processes at once --------------------------------------------------------------


def _wait_for(predicate, seconds=120):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _same_tree(a, b):
    compared = filecmp.dircmp(a, b, ignore=[])
    assert not (compared.left_only or compared.right_only or compared.diff_files), compared.report()
    for sub in compared.common_dirs:
        _same_tree(a / sub, b / sub)


@pytest.mark.parametrize("head_start", [40, 120, 220])
def test_two_processes_drawing_one_set_give_one_complete_set(tmp_path, head_start):
    """The second process is started (imports done) and let go once the first has drawn ``head_start``."""
    n, target, go = 300, tmp_path / "shared" / "faces", tmp_path / "go"
    draw = ("import pathlib, sys, time\nfrom vae_tutorial import synthetic\n"
            "while len(sys.argv) > 1 and not pathlib.Path(sys.argv[1]).exists(): time.sleep(0.01)\n"
            f"synthetic.generate({str(target)!r}, n={n}, seed=2, progress=False)")
    first = subprocess.Popen([sys.executable, "-c", draw], stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([sys.executable, "-c", draw, str(go)], stderr=subprocess.PIPE, text=True)
    images = target / "img_align_celeba"
    _wait_for(lambda: images.is_dir() and sum(1 for _ in images.iterdir()) >= head_start)
    go.touch()
    errors = [process.communicate(timeout=300)[1] for process in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, errors
    assert "Waiting for another process that is drawing the synthetic faces" in errors[1]
    reference = synthetic.generate(tmp_path / "alone" / "faces", n=n, seed=2, progress=False)
    _same_tree(target, reference)


def test_a_second_train_on_one_run_folder_refuses_naming_the_first(root, tmp_path, clean_env):
    run_dir = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "vae_tutorial", "train", "--data", str(root), "--out",
                              str(run_dir), "--epochs", "8", *TINY], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    owner, go = run_dir.with_name("run.owner"), tmp_path / "go"
    # The second is started (imports done) before the first holds the folder, and let go right after.
    args = ["train", "--data", str(root), "--out", str(run_dir), "--epochs", "2", *TINY]
    script = ("import pathlib, sys, time\nimport vae_tutorial.training\nfrom vae_tutorial.__main__ import main\n"
              f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.01)\nsys.exit(main({args!r}))")
    second = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(owner.exists, 240)
    go.touch()
    out, err = second.communicate(timeout=300)
    _one_line_error(subprocess.CompletedProcess(args, second.returncode, out, err), "in use by another process",
                    f"pid {first.pid}")
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    history = (run_dir / "history.csv").read_text().splitlines()
    assert len(history) == 9 and history[0].startswith("epoch")  # one header, eight epochs
    assert not owner.exists()


def test_waiting_for_a_run_that_another_process_trains_loads_it(root, tmp_path, clean_env, capsys):
    S = settings.load(epochs=1, image_size=SIZE, batch_size=8, latent_dim=4, attributes=("Smiling",))
    run_dir = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "vae_tutorial", "train", "--data", str(root), "--out",
                              str(run_dir), "--epochs", "6", "--image-size", str(SIZE), "--batch-size", "8",
                              "--latent-dim", "4", "--attributes", "Smiling"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    _wait_for(run_dir.with_name("run.owner").exists, 240)
    model = training.train(S, root, run_dir, progress="none", wait=True)
    assert first.wait(timeout=600) == 0
    out = capsys.readouterr()
    assert "Waiting for another process that is training" in out.err and "already holds a run" in out.out
    assert model.decoder.output.shape[1] == SIZE


# --- 5. one-line errors from the command line -----------------------------------------------------


@pytest.mark.parametrize("code, phrases", [
    (errno.EROFS, ("cannot write /data/x.npy", "--no-cache", "--out")),
    (errno.EACCES, ("cannot write /data/x.npy", "Permission denied")),
    (errno.ENOSPC, ("the disk is full while writing /data/x.npy", "Free some space")),
])
def test_file_system_errors_become_one_line_with_a_fix(root, monkeypatch, capsys, code, phrases):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), "/data/x.npy")

    monkeypatch.setattr(training, "train", fail)
    assert cli.main(["train", "--data", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert all(phrase in err for phrase in phrases), err
    with pytest.raises(OSError):
        cli.main(["--debug", "train", "--data", str(root)])


def test_a_missing_data_folder_and_a_missing_run_are_one_line(root, tmp_path, clean_env):
    _one_line_error(_cli("train", "--data", str(tmp_path / "nothing_here"), *TINY), "nothing_here")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(_cli("train", "--data", str(empty), *TINY), "no CSV file")  # neither CelebA nor own images
    _one_line_error(_cli("evaluate", "--run", str(tmp_path / "no_run"), "--data", str(root)), "train first")


# --- 6. a partition file with rows missing --------------------------------------------------------


def test_a_short_partition_file_is_refused_naming_the_images(root):
    path = root / "list_eval_partition.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-20]))
    with pytest.raises(celeba.CelebAFormatError, match=r"no split for 20 of the 40 images.*000021\.jpg"):
        data.index(root, "train")


# --- 7. a bad settings variable ---------------------------------------------------------------------


@pytest.mark.parametrize("variable, value, phrase", [
    ("VAE_TUTORIAL_IMAGE_SIZE", "abc", "VAE_TUTORIAL_IMAGE_SIZE='abc' is not a valid int"),
    ("VAE_TUTORIAL_DATASET", "imagenet", "('auto', 'synthetic', 'celeba')"),
    ("VAE_TUTORIAL_EPOCHS", "0", "epochs=0 must be a positive integer"),
    ("VAE_TUTORIAL_BETA", "much", "VAE_TUTORIAL_BETA='much' is not a valid float"),
])
def test_a_bad_settings_variable_never_breaks_help_and_is_one_line(variable, value, phrase):
    env = {variable: value}
    for command in ("train", "prepare", "evaluate", "verify"):
        helped = _cli(command, "--help", env=env)
        assert helped.returncode == 0 and "usage:" in helped.stdout, helped.stderr
    _one_line_error(_cli("prepare", env=env), phrase)


# --- real file systems: a full disk and a read-only one (tmpfs mounts; skipped where mounting is not allowed)


@pytest.fixture
def mounted(tmp_path):
    """A 3 MB tmpfs of our own, remountable read-only."""
    point = tmp_path / "mnt"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", str(point)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_a_full_disk_is_one_line_naming_the_file(mounted):
    root = synthetic.generate(mounted / "faces", n=N, seed=5, progress=False)
    done = _cli("prepare", "--data", str(root), "--image-size", "192")  # 40 × 192² × 3 bytes: more than is left
    _one_line_error(done, "the disk is full while writing", "images_192px.npy", "Free some space")
    assert not (root / uint8_cache.DIRNAME / "images_192px.npy").exists()  # no half-written cache left behind


def test_a_read_only_data_folder_and_out_folder(mounted, tmp_path, clean_env):
    root = synthetic.generate(mounted / "faces", n=N, seed=5, progress=False)
    subprocess.run(["mount", "-o", "remount,ro", str(mounted)], check=True)
    env = {"XDG_CACHE_HOME": str(tmp_path / "user_cache")}
    done = _cli("prepare", "--data", str(root), "--image-size", str(SIZE), env=env)
    assert done.returncode == 0, done.stderr
    assert "cannot be written, so the cache goes to" in done.stdout and (tmp_path / "user_cache").is_dir()
    out = _cli("train", "--data", str(root), "--out", str(mounted / "run"), "--epochs", "1", *TINY, env=env)
    _one_line_error(out, "cannot write", "Read-only file system", "--out")
