"""The command line: ``python -m vae_tutorial <command> [options]`` (or ``vae-tutorial <command>``).

Commands: ``train`` (a CVAE into a run folder), ``prepare`` (the uint8 cache), ``evaluate`` (a trained
run, with the judge) and ``verify`` (a data set's files: CelebA, or your own images and CSV).

Each command is two small functions: ``add_<command>(commands)`` declares the sub-parser and its
options and sets ``handler=run_<command>``; ``run_<command>(args)`` does the work and returns an
exit status. List the ``add_`` function in ``COMMANDS``. Commands import the heavy modules
(the data pipeline, training, Keras) inside ``run_``, so ``--help`` stays instant. ``add_settings_options`` and
``settings_from`` give any command the settings' options, derived from their declaration in
``settings.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import sys
from pathlib import Path

from . import settings


def add_settings_options(parser: argparse.ArgumentParser, *names: str) -> None:
    """Add an option for each named setting (all those declared with ``option=True`` when none are
    named): ``--image-size`` for ``image_size``, with the setting's help, type and choices."""
    for f in dataclasses.fields(settings.Settings):
        if not (f.name in names if names else f.metadata["option"]):
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        default = ",".join(default) if isinstance(default, tuple) else default
        parser.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_parser(f.name),
                            choices=f.metadata["choices"], metavar=f.metadata["metavar"],
                            help=f"{f.metadata['help']} (default: {default}, or ${settings.env_name(f.name)})")


def _parser(name: str):
    """argparse's ``type`` for a setting: its text parsed as ``settings.parse`` does."""
    def parse(text: str):
        try:
            return settings.parse(name, text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def settings_from(args: argparse.Namespace) -> settings.Settings:
    """The settings, with the options given on the command line replacing their defaults."""
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(settings.Settings)
                 if getattr(args, f.name, None) is not None}
    if getattr(args, "data", None) is not None:
        overrides["dataset"] = str(args.data)
    return settings.load(**overrides)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of images")
    return value


# ---------------------------------------------------------------------------------------------
# train


def add_train(commands) -> None:
    parser = commands.add_parser(
        "train",
        help="train the conditional VAE",
        description="Train the conditional VAE and save the run: model.keras, history.csv, samples/, logs/ "
        "(TensorBoard) and settings.json. Run the same command again after an interruption to continue from the "
        "last finished epoch.",
    )
    parser.add_argument("--data", type=Path, metavar="DIR", help="data set folder: CelebA in any layout, or your own "
                        "images (default: CelebA under the settings' data_dir when present, else the synthetic faces, "
                        "made on first use)")
    parser.add_argument("--out", type=Path, metavar="RUN_DIR", help="run folder (default: the settings' run folder "
                        "for the data set)")
    add_settings_options(parser)
    parser.add_argument("--limit", type=_positive, metavar="N", help="train on the first N training images only "
                        "(a subset, e.g. for full CelebA on a CPU)")
    parser.add_argument("--precision", choices=settings.PRECISIONS, default="auto",
                        help="Keras dtype policy; auto (the default): bfloat16 maths on Ampere and newer GPUs, float16 "
                        "on T4/V100, float32 on a CPU")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=None,
                        help="XLA compilation (default: on for GPUs, off for CPUs)")
    parser.add_argument("--distribute", action="store_true", help="train on every local device at once, each batch "
                        "split between them (TensorFlow: MirroredStrategy; JAX: DataParallel, e.g. a TPU's cores)")
    parser.add_argument("--no-cache", dest="cache", action="store_false", help="decode the JPEGs every epoch "
                        "instead of once into a uint8 cache beside the data (e.g. for a read-only data folder)")
    parser.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    from . import data, training

    S = settings_from(args)
    source = data.resolve(S)
    out = args.out or S.run_dir(source.name)
    training.train(S, source.root, out, limit=args.limit, precision=args.precision, jit=args.jit,
                   distribute=args.distribute, cache=args.cache, progress="bar")
    return 0


# ---------------------------------------------------------------------------------------------
# prepare


def add_prepare(commands) -> None:
    parser = commands.add_parser(
        "prepare",
        help="decode every image once into a uint8 cache that training reads",
        description="Decode every image of the data set once (in parallel, at reduced JPEG size) into a "
        "memory-mapped uint8 array in DATA/vae_tutorial_cache/, beside the attribute files, so training reads "
        "arrays instead of JPEGs. Run the same command again after an interruption to continue where it stopped.",
    )
    parser.add_argument("--data", type=Path, help="data set folder: CelebA in any layout, or your own images "
                        "(default: as for train)")
    add_settings_options(parser, "image_size")
    parser.set_defaults(handler=run_prepare)


def run_prepare(args: argparse.Namespace) -> int:
    from . import data, uint8_cache

    S = settings_from(args)
    root = data.resolve(S).root
    done, n = uint8_cache.progress(root, S.image_size)
    if 0 < done < n:
        print(f"continuing after {done:,} of {n:,} images")
    path = uint8_cache.prepare(root, S.image_size)
    print(f"{n:,} faces of {S.image_size}×{S.image_size} px cached in {path}")
    return 0


# ---------------------------------------------------------------------------------------------
# evaluate


def add_evaluate(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="measure a trained run: attribute control, judge accuracy, reconstruction error",
        description="Does 'Smiling = 1' really make a smile? Trains (once, cached in the run folder) a judge that "
        "recognises the conditioned attributes on real faces, decodes faces from random z with each attribute set "
        "to 1 and to 0 and counts how often the judge agrees, and measures the held-out reconstruction error. "
        "Prints a table and writes RUN/evaluation.json.",
    )
    parser.add_argument("--data", type=Path, help="data set folder the run was trained on (default: as for train)")
    parser.add_argument("--run", type=Path, help="run folder holding model.keras (default: the settings' run "
                        "folder for the data set)")
    parser.add_argument("--samples", type=_positive, default=200, help="faces decoded per attribute and value "
                        "(default: 200)")
    parser.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from . import data, evaluate, runs

    S = settings_from(args)
    source = data.resolve(S)
    run_dir = args.run or S.run_dir(source.name)
    result = evaluate.evaluate(runs.load_run(run_dir), source.root, run_dir, n=args.samples)
    print(evaluate.table(result))
    print(f"written to {settings.short_path(run_dir / runs.RESULT_FILE)}")
    return 0


# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# verify


def add_verify(commands) -> None:
    parser = commands.add_parser(
        "verify",
        help="check a data set: CelebA (checksums, missing files) or a folder of your own images (its CSV, missing "
        "and unlisted images, constant attributes); optionally decode every image",
        description="CelebA (or the synthetic set): compare the annotation files with the official MD5 checksums, "
        "the images on disk with those listed, and the attribute with the partition file. A folder of your own "
        "images: read its CSV, list images it names that are missing and images it does not name, check the split "
        "and flag constant or nearly constant attributes. With --images also decode every image (in parallel) and "
        "list each damaged one. Exits 1 when a problem is found.",
    )
    parser.add_argument("--data", type=Path, help="data set folder: CelebA in any layout, or your own images "
                        "(default: as for train)")
    parser.add_argument("--images", action="store_true", help="decode every image (about a minute for CelebA)")
    parser.add_argument("--no-md5", dest="md5", action="store_false", help="skip CelebA's checksums")
    parser.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from . import celeba, data, folder, folder_verify

    if args.data is not None and not celeba.is_present(args.data) and folder.is_present(args.data):
        report = folder_verify.verify(args.data, check_images=args.images)  # even a CSV settings would refuse
    else:
        report = celeba.verify(data.resolve(settings_from(args)).root, check_md5=args.md5, check_images=args.images)
    print(report)
    return 0 if report.ok else 1


# ---------------------------------------------------------------------------------------------

COMMANDS = (add_train, add_prepare, add_evaluate, add_verify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vae_tutorial",
                                     description="Variational autoencoders for faces: the tutorial's command line.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted: run the same command again to continue where it stopped", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug:
            raise
        print(f"error: {explain(error)}", file=sys.stderr)
        return 2


def explain(error: Exception) -> str:
    """One line for a user: what happened and how to fix it (``--debug`` shows the traceback)."""
    from .locking import Busy

    if isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        where = f" {error.filename}" if error.filename else ""
        return (f"cannot write{where} ({error.strerror}). Choose a folder you can write to (--out for a run); for a "
                f"read-only data folder, train with --no-cache or set the cache aside with VAE_TUTORIAL_DATA_DIR.")
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        where = f" while writing {error.filename}" if error.filename else ""
        return f"the disk is full{where}. Free some space (or use a smaller --image-size or --limit) and run again."
    if isinstance(error, ValueError | FileNotFoundError | Busy | RuntimeError):
        return str(error)
    return f"{type(error).__name__}: {error} (run with --debug for the traceback)"


if __name__ == "__main__":
    sys.exit(main())
