"""Case videos: content check, upload size limit, and duration and poster via ffmpeg.

A video is accepted by what its bytes are, not by its name: MP4 and MOV are ISO base
media files whose ``ftyp`` box names the brand, WebM starts with an EBML header. The
``filetype`` package reads those signatures from the first 262 bytes.

ffprobe and ffmpeg are optional: when they are not on PATH, or fail or time out, the
case is stored without duration and poster.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from salespulse.core.errors import DomainError

logger = logging.getLogger(__name__)

# MIME type detected from content → extension used for the stored file.
ALLOWED_VIDEO_TYPES = {
    "video/mp4": "mp4",
    "video/x-m4v": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
}
# Bytes a multipart body may add to the video: boundaries, headers, script and tag fields.
FORM_OVERHEAD_BYTES = 1024 * 1024


def max_video_bytes() -> int:
    return int(settings.CAMPAIGN_VIDEO_MAX_BYTES)


def video_too_large_error(filename: str = "") -> DomainError:
    limit = filesizeformat(max_video_bytes())
    if filename:
        message = _("The video %(name)s is larger than %(limit)s. Trim or compress it and upload it again.") % {
            "name": filename,
            "limit": limit,
        }
    else:
        message = _(
            "The upload is larger than %(limit)s, the limit for a case video. "
            "Trim or compress the video and upload it again."
        ) % {"limit": limit}
    return DomainError("video_too_large", message, field="video", params={"limit": limit}, status=413)


def declared_body_too_large(content_length: str | None) -> bool:
    """Return whether a request's declared Content-Length exceeds the video limit plus form overhead."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        return False
    return declared > max_video_bytes() + FORM_OVERHEAD_BYTES


class VideoSizeLimitUploadHandler(FileUploadHandler):
    """Stop reading the request body once the uploaded files exceed the video limit.

    Install it first in ``request.upload_handlers``. It counts bytes of every file in
    the body, so a missing or false Content-Length cannot get more than the limit (plus
    one chunk) read or written to a temporary file. ``exceeded`` and ``filename`` tell
    the view what happened, because the parser drops the partial file silently.
    """

    def __init__(self, request=None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_video_bytes() if limit is None else limit
        self.received = 0
        self.exceeded = False
        self.filename = ""

    def new_file(self, field_name, file_name, *args, **kwargs) -> None:
        self.filename = file_name
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            logger.info("video upload stopped after %s bytes (limit %s)", self.received, self.limit)
            # connection_reset: do not read the rest of the body just to discard it.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def detect_video_type(upload: UploadedFile) -> str:
    """Return the MIME type of ``upload`` read from its content, or raise ``DomainError``."""
    upload.seek(0)
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_VIDEO_TYPES:
        detected = kind.extension.upper() if kind else _("unknown")
        raise DomainError(
            "video_type_not_allowed",
            _(
                "%(name)s is not a video this page accepts: its content is %(detected)s. "
                "Upload an MP4, MOV or WebM file."
            )
            % {"name": upload.name, "detected": detected},
            field="video",
            params={"name": upload.name, "detected": detected},
        )
    return kind.mime


def check_video_size(upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > max_video_bytes():
        raise video_too_large_error(upload.name)


@dataclass(frozen=True)
class VideoProbe:
    """Duration and poster frame read by ffprobe and ffmpeg; each is None when not available."""

    duration_seconds: Decimal | None = None
    poster_jpeg: bytes | None = None


def parse_ffprobe_duration(output: str) -> Decimal | None:
    """Return the duration in seconds from ``ffprobe -print_format json -show_format`` output.

    Falls back to the longest stream duration; returns None for invalid JSON or no duration.
    """
    try:
        data = json.loads(output)
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    candidates = [(data.get("format") or {}).get("duration")]
    candidates += [stream.get("duration") for stream in data.get("streams") or [] if isinstance(stream, dict)]
    durations = []
    for value in candidates:
        try:
            duration = Decimal(str(value))
        except (InvalidOperation, ValueError):
            continue
        if duration.is_finite() and duration > 0:
            durations.append(duration)
    if not durations:
        return None
    return max(durations).quantize(Decimal("0.01"))


def _run(command: list[str]) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(
            command, capture_output=True, timeout=settings.CAMPAIGN_FFMPEG_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning("%s failed on %s: %s", command[0], command[-1], error)
        return None


def probe_local_file(path: Path) -> VideoProbe:
    """Run ffprobe and ffmpeg on ``path`` when they are on PATH; skip each one that is missing."""
    duration = None
    ffprobe = shutil.which("ffprobe")
    if ffprobe:
        result = _run([ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)])
        if result is not None and result.returncode == 0:
            duration = parse_ffprobe_duration(result.stdout.decode("utf-8", "replace"))

    poster = None
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        with tempfile.TemporaryDirectory(prefix="salespulse-poster-") as folder:
            target = Path(folder) / "poster.jpg"
            second = "1" if duration is None or duration > 1 else "0"
            result = _run(
                [
                    ffmpeg,
                    "-v",
                    "error",
                    "-ss",
                    second,
                    "-i",
                    str(path),
                    "-frames:v",
                    "1",
                    "-vf",
                    "scale=640:-2",
                    "-y",
                    str(target),
                ]
            )
            if result is not None and result.returncode == 0 and target.is_file():
                poster = target.read_bytes()
    return VideoProbe(duration_seconds=duration, poster_jpeg=poster)


def probe_upload(upload: UploadedFile) -> VideoProbe:
    """Probe an uploaded file, writing it to a temporary file first when it is held in memory."""
    if not (shutil.which("ffprobe") or shutil.which("ffmpeg")):
        return VideoProbe()
    temporary_path = getattr(upload, "temporary_file_path", None)
    if temporary_path is not None:
        return probe_local_file(Path(temporary_path()))
    with tempfile.NamedTemporaryFile(prefix="salespulse-video-") as handle:
        upload.seek(0)
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        upload.seek(0)
        return probe_local_file(Path(handle.name))
