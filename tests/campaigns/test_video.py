import io
from decimal import Decimal

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.handlers.wsgi import WSGIRequest

from salespulse.campaigns import video
from salespulse.core.errors import DomainError
from tests.campaigns.factories import install_fake_ffmpeg, tiny_mp4, tiny_webm, video_upload, zip_bytes

TWO_GB = 2 * 1024**3


class EndlessMultipartBody:
    """A request body that starts a file part and then yields zeros for ever, counting bytes read."""

    def __init__(self, boundary: bytes = b"BOUNDARY") -> None:
        self.head = (
            b"--" + boundary + b"\r\n"
            b'Content-Disposition: form-data; name="video"; filename="huge.mp4"\r\n'
            b"Content-Type: video/mp4\r\n\r\n"
        )
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else min(size, 65536)
        if self.sent < len(self.head):
            chunk = self.head[self.sent : self.sent + size]
        else:
            chunk = b"\x00" * size
        self.sent += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def streamed_request(body, content_length: int) -> WSGIRequest:
    return WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/campaigns/1/cases/new/",
            "CONTENT_TYPE": "multipart/form-data; boundary=BOUNDARY",
            "CONTENT_LENGTH": str(content_length),
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.input": body,
            "wsgi.url_scheme": "http",
        }
    )


def test_zip_named_mp4_rejected():
    upload = video_upload("门诊拜访.mp4", zip_bytes())

    with pytest.raises(DomainError) as caught:
        video.detect_video_type(upload)

    assert caught.value.code == "video_type_not_allowed"
    assert (
        caught.value.message
        == "门诊拜访.mp4 不是本页面接受的视频：文件内容是 ZIP。请上传 MP4、MOV 或 WebM 格式的文件。"
    )


def test_text_file_is_rejected_as_unknown_content():
    with pytest.raises(DomainError) as caught:
        video.detect_video_type(video_upload("notes.mp4", "拜访记录".encode()))

    assert "未知" in caught.value.message


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (tiny_mp4(), "video/mp4"),
        (tiny_webm(), "video/webm"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 32, "video/quicktime"),
    ],
)
def test_video_type_comes_from_content(content, mime):
    assert video.detect_video_type(video_upload("clip.bin", content)) == mime


def test_upload_over_limit_is_rejected_by_size(settings):
    settings.CAMPAIGN_VIDEO_MAX_BYTES = 10

    with pytest.raises(DomainError) as caught:
        video.check_video_size(video_upload("拜访.mp4"))

    assert caught.value.code == "video_too_large"
    assert "拜访.mp4" in caught.value.message


def test_declared_two_gb_body_is_too_large():
    assert video.declared_body_too_large(str(TWO_GB)) is True


def test_declared_small_body_is_not_too_large():
    assert video.declared_body_too_large("4096") is False


def test_upload_handler_stops_two_gb_stream_early():
    limit = 1024 * 1024
    body = EndlessMultipartBody()
    request = streamed_request(body, TWO_GB)
    limiter = video.VideoSizeLimitUploadHandler(request, limit=limit)
    request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]

    files = request.FILES

    assert limiter.exceeded is True
    assert limiter.filename == "huge.mp4"
    assert "video" not in files
    # The parser reads in 64 KiB chunks; it stops within a few chunks of the limit.
    assert body.sent < limit + 4 * 65536


def test_upload_handler_stops_body_with_understated_content_length():
    # Content-Length claims 100 MB, the limit is 1 MiB, and the body never ends.
    limit = 1024 * 1024
    body = EndlessMultipartBody()
    request = streamed_request(body, 100 * 1024 * 1024)
    limiter = video.VideoSizeLimitUploadHandler(request, limit=limit)
    request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]

    files = request.FILES

    assert "video" not in files
    assert limiter.exceeded is True
    assert body.sent < limit + 4 * 65536


def test_upload_handler_passes_small_file():
    boundary = b"BOUNDARY"
    content = tiny_mp4()
    raw = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="video"; filename="ok.mp4"\r\n'
        b"Content-Type: video/mp4\r\n\r\n" + content + b"\r\n--" + boundary + b"--\r\n"
    )
    request = streamed_request(io.BytesIO(raw), len(raw))
    limiter = video.VideoSizeLimitUploadHandler(request, limit=1024)
    request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]

    uploaded = request.FILES["video"]

    assert limiter.exceeded is False
    assert uploaded.read() == content


FFPROBE_OUTPUT = """{
  "streams": [
    {"index": 0, "codec_type": "video", "width": 1080, "height": 1920, "duration": "41.966667"},
    {"index": 1, "codec_type": "audio", "duration": "42.005333"}
  ],
  "format": {"filename": "visit.mp4", "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
             "duration": "42.005333", "size": "5321873"}
}"""


def test_ffprobe_duration_read_from_format():
    assert video.parse_ffprobe_duration(FFPROBE_OUTPUT) == Decimal("42.01")


def test_ffprobe_duration_falls_back_to_streams():
    output = '{"streams": [{"duration": "12.5"}, {"duration": "N/A"}], "format": {}}'

    assert video.parse_ffprobe_duration(output) == Decimal("12.50")


@pytest.mark.parametrize("output", ["", "not json", "[]", '{"format": {"duration": "N/A"}}'])
def test_ffprobe_duration_missing_is_none(output):
    assert video.parse_ffprobe_duration(output) is None


def test_probe_without_ffmpeg_returns_nothing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")

    probe = video.probe_upload(video_upload())

    assert probe == video.VideoProbe(duration_seconds=None, poster_jpeg=None)


def test_probe_runs_ffprobe_and_ffmpeg_from_path(tmp_path, monkeypatch):
    install_fake_ffmpeg(tmp_path, monkeypatch)

    probe = video.probe_upload(video_upload())

    assert probe.duration_seconds == Decimal("42.01")
    assert probe.poster_jpeg == b"\xff\xd8\xff\xe0fake-jpeg"


def test_probe_survives_failing_ffprobe(tmp_path, monkeypatch):
    failing = tmp_path / "ffprobe"
    failing.write_text("#!/bin/sh\nexit 1\n")
    failing.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    probe = video.probe_upload(video_upload())

    assert probe.duration_seconds is None
