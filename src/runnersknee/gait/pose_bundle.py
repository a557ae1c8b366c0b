"""The offline ``.task`` bundle of the Tasks pose backend, assembled reproducibly.

No pose ``.task`` file ships in the mediapipe wheels, but the BlazePose detector and full
landmark models ship inside the ``mediapipe==0.10.14`` wheel on PyPI. At set-up
(``python -m runnersknee.gait.pose_bundle``, run by ``make setup``) that wheel is fetched with
``pip download --no-deps`` for one fixed platform into a cache (never installed), the two
models are read from the wheel's zip and checked against their SHA-256. The detector keeps
the metadata it ships with (RGB input normalised to −1..1, mean and std 127.5, as MediaPipe's
own pose-detection graph feeds it); the landmark model ships without any, so the image-input
metadata the Tasks runtime needs (RGB, normalised to 0..1: mean 0, std 255, as the legacy
landmark graph feeds it) is written into it with MediaPipe's flatbuffers schema. The two are
stored, uncompressed and aligned
with fixed member dates, as ``pose_detector.tflite`` + ``pose_landmarks_detector.tflite``:
the same wheel always gives the same bytes. Nothing is downloaded at run time: analysing a
video without a built bundle builds it from the cached wheel or says how to fetch it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from runnersknee.clinical.errors import InvalidInput

__all__ = ["BUNDLE_NAME", "MODEL_WHEEL", "build_pose_bundle", "pose_bundle_path", "sha256_of"]

#: v2: the detector keeps its own −1..1 input metadata (v1 bundles fed it 0..1).
BUNDLE_NAME = "pose_landmarker_full.v2.task"
#: The registry package holding the models, fetched for one platform so every machine gets
#: the same file (only the platform-independent .tflite members are used).
MODEL_WHEEL = "mediapipe==0.10.14"
_WHEEL_GLOB = "mediapipe-0.10.14-*.whl"
_PLATFORM = ("--platform", "manylinux_2_17_x86_64", "--python-version", "3.11")
#: bundle member → (member of the wheel, its SHA-256, whether metadata must be written)
_MODELS = {
    "pose_detector.tflite": (
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
        False,
    ),
    "pose_landmarks_detector.tflite": (
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        True,
    ),
}
_DESCRIPTION = "BlazePose (full) from the mediapipe wheel"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_BUILD_COMMAND = "python -m runnersknee.gait.pose_bundle"


def _model_dir() -> Path:
    base = os.environ.get("RUNNERSKNEE_MODEL_DIR") or Path.home() / ".cache/runnersknee/models"
    return Path(base)


def pose_bundle_path() -> Path:
    """Where the bundle lives (``RUNNERSKNEE_MODEL_DIR`` or ~/.cache/runnersknee/models)."""
    return _model_dir() / BUNDLE_NAME


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _model_wheel(cache: Path, *, download: bool) -> Path:
    """The cached model wheel; fetched with ``pip download`` first when ``download``."""
    found = sorted(cache.glob(_WHEEL_GLOB))
    if not found and download:
        cache.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", MODEL_WHEEL, "--no-deps"]
        command += ["--only-binary=:all:", *_PLATFORM, "-d", str(cache)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        found = sorted(cache.glob(_WHEEL_GLOB))
        if done.returncode != 0 or not found:
            raise InvalidInput(
                f"could not fetch {MODEL_WHEEL} for the pose model: {done.stderr.strip()[-300:]}",
                field="pose_model",
            )
    if not found:
        raise InvalidInput(
            f"the pose model is not built on this server; build it once with: {_BUILD_COMMAND}",
            field="pose_model",
        )
    return found[-1]


def _with_image_metadata(model: bytes, name: str) -> bytes:
    """``model`` with TFLite metadata saying: one RGB image input normalised with mean 0 and
    std 255 (to 0..1), as many plain outputs as the model has."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    tree = tflite_fb.ModelT.InitFromObj(tflite_fb.Model.GetRootAsModel(model, 0))
    norm = meta_fb.NormalizationOptionsT()
    norm.mean, norm.std = [0.0], [255.0]
    unit = meta_fb.ProcessUnitT()
    unit.optionsType, unit.options = meta_fb.ProcessUnitOptions.NormalizationOptions, norm
    image_props = meta_fb.ImagePropertiesT()
    image_props.colorSpace = meta_fb.ColorSpaceType.RGB
    content = meta_fb.ContentT()
    content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    content.contentProperties = image_props
    stats = meta_fb.StatsT()
    stats.max, stats.min = [1.0], [0.0]
    image = meta_fb.TensorMetadataT()
    image.name, image.description = b"image", b"Input image to be processed."
    image.content, image.processUnits, image.stats = content, [unit], stats
    outputs = []
    for _ in tree.subgraphs[0].outputs:
        output = meta_fb.TensorMetadataT()
        output.name = b"Identity"
        outputs.append(output)
    subgraph = meta_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata, subgraph.outputTensorMetadata = [image], outputs
    metadata = meta_fb.ModelMetadataT()
    metadata.name, metadata.description = name.encode(), _DESCRIPTION.encode()
    metadata.minParserVersion, metadata.subgraphMetadata = b"1.0.0", [subgraph]
    builder = flatbuffers.Builder(0)
    builder.Finish(metadata.Pack(builder), b"M001")
    data = np.frombuffer(bytes(builder.Output()), dtype=np.uint8)
    buffer = tflite_fb.BufferT()
    buffer.data = data
    tree.buffers.append(buffer)
    entry = tflite_fb.MetadataT()
    entry.name, entry.buffer = b"TFLITE_METADATA", len(tree.buffers) - 1
    tree.metadata = [*(tree.metadata or []), entry]
    builder = flatbuffers.Builder(0)
    builder.Finish(tree.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def build_pose_bundle(
    dest: Path | None = None, *, download: bool = False, cache: Path | None = None
) -> Path:
    """Assemble the ``.task`` bundle at ``dest`` from the cached model wheel (fetched first
    when ``download``). Deterministic; InvalidInput when the wheel is missing or a model
    does not match its SHA-256."""
    dest = dest or pose_bundle_path()
    wheel = _model_wheel(cache or _model_dir() / "wheels", download=download)
    models: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as archive:
        for name, (member, digest, add_metadata) in _MODELS.items():
            raw = archive.read(member)
            if hashlib.sha256(raw).hexdigest() != digest:
                raise InvalidInput(
                    f"{member} in {wheel.name} is not the expected model", field="pose_model"
                )
            models[name] = _with_image_metadata(raw, name) if add_metadata else raw
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".partial")
    # MediaPipe's aligned, uncompressed zip writer; fixed member dates keep it reproducible
    with model_asset_bundle_utils.AlignZipFile(
        partial, mode="w", alignment=model_asset_bundle_utils._ALIGNMENT
    ) as bundle:
        for name in sorted(models):
            bundle.writestr(zipfile.ZipInfo(name, date_time=_FIXED_DATE), models[name])
    partial.replace(dest)
    return dest


if __name__ == "__main__":  # ``python -m runnersknee.gait.pose_bundle`` (make setup)
    built = build_pose_bundle(download=True)
    sys.stdout.write(f"{built} sha256={sha256_of(built)}\n")
