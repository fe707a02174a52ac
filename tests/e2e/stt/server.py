"""A transcription server for the tests, speaking the OpenAI-compatible
`POST /v1/audio/transcriptions` (multipart/form-data: file, model, response_format, language)
and answering `{"text": ...}` with what it heard.

What it hears is real: the upload is decoded with PyAV (FFmpeg: WebM/Opus as the browser's
MediaRecorder writes it) and recognised by PocketSphinx with the US English model that ships
inside its package. It checks the request as OpenAI's API would (the key, the form fields, an
audio file), answers CORS pre-flights as a browser-facing service does, and keeps a log of what
it received for the test to read: `GET /__stt/log`. `POST /__stt/fail {"status": 401}` makes the
next transcription fail with that status; `POST /__stt/slow {"seconds": 8}` makes the next one
answer that much later. With `STT_KEEP=<dir>` each upload is kept there, to be
listened to when a test fails.

Loopback only. Prints `STT_READY {"port": N}` when it listens.
"""

import json
import os
import sys
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import av
from pocketsphinx import Decoder

KEY = sys.argv[1] if len(sys.argv) > 1 else "test-key"
MODEL = sys.argv[2] if len(sys.argv) > 2 else "pocketsphinx-en-us"
LOG = []
FAIL_NEXT = []
SLOW_NEXT = []
DECODER = Decoder(samprate=16000)
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def form_parts(content_type, body):
    """The parts of a multipart/form-data body: {name: (filename, content_type, bytes)}."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts = {}
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[name] = (part.get_filename(), part.get_content_type(), part.get_payload(decode=True) or b"")
    return parts


def hear(data):
    """The audio decoded to 16 kHz mono, its duration, its loudness per second, and the words."""
    import io

    container = av.open(io.BytesIO(data))
    stream = container.streams.audio[0]
    codec = stream.codec_context.name
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
    pcm = bytearray()
    for frame in container.decode(stream):
        for out in resampler.resample(frame):
            pcm += bytes(out.planes[0])[: out.samples * 2]
    samples = memoryview(bytes(pcm)).cast("h")
    seconds = len(samples) / 16000
    loudness = []
    for start in range(0, len(samples), 16000):
        chunk = samples[start : start + 16000]
        loudness.append(round((sum(s * s for s in chunk) / max(len(chunk), 1)) ** 0.5))
    DECODER.start_utt()
    DECODER.process_raw(bytes(pcm), full_utt=True)
    DECODER.end_utt()
    words = DECODER.hyp().hypstr if DECODER.hyp() else ""
    return codec, seconds, loudness, words


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def cors(self):
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "authorization, content-type")
        self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Access-Control-Max-Age", "600")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The browser went while the answer was held back (a test closes the phone then).
            pass

    def do_OPTIONS(self):
        LOG.append({"preflight": True, "origin": self.headers.get("Origin"),
                    "asks": self.headers.get("Access-Control-Request-Headers")})
        self.send_response(204)
        self.cors()
        self.end_headers()

    def do_GET(self):
        if self.path == "/__stt/log":
            self.answer(200, LOG)
        else:
            self.answer(404, {"error": {"message": "not found"}})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__stt/fail":
            FAIL_NEXT.append(json.loads(body or b"{}").get("status", 500))
            self.answer(200, {})
            return
        if self.path == "/__stt/slow":
            SLOW_NEXT.append(json.loads(body or b"{}").get("seconds", 5))
            self.answer(200, {})
            return
        if self.path != "/v1/audio/transcriptions":
            self.answer(404, {"error": {"message": "not found"}})
            return
        parts = form_parts(self.headers.get("Content-Type", ""), body)
        entry = {
            "origin": self.headers.get("Origin"),
            "authorization": self.headers.get("Authorization"),
            "cookie": self.headers.get("Cookie"),
            "contentType": self.headers.get("Content-Type", "").split(";")[0],
            "fields": {k: v[2].decode("utf-8", "replace") for k, v in parts.items() if k != "file"},
        }
        LOG.append(entry)
        if FAIL_NEXT:
            status = FAIL_NEXT.pop(0)
            entry["failedWith"] = status
            self.answer(status, {"error": {"message": "failing as the test asked", "type": "test"}})
            return
        if self.headers.get("Authorization") != "Bearer " + KEY:
            self.answer(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            return
        if "file" not in parts or not parts["file"][0]:
            self.answer(400, {"error": {"message": "a file is required", "type": "invalid_request_error"}})
            return
        filename, file_type, data = parts["file"]
        if os.environ.get("STT_KEEP"):
            with open(os.path.join(os.environ["STT_KEEP"], "upload-%d.webm" % len(LOG)), "wb") as kept:
                kept.write(data)
        entry.update({"filename": filename, "fileType": file_type, "bytes": len(data),
                      "webm": data[:4] == EBML_MAGIC})
        if entry["fields"].get("model") != MODEL:
            self.answer(400, {"error": {"message": "unknown model", "type": "invalid_request_error"}})
            return
        try:
            codec, seconds, loudness, words = hear(data)
        except Exception as error:  # noqa: BLE001 - a file the decoder cannot read is the client's fault
            entry["decodeError"] = str(error)
            self.answer(400, {"error": {"message": "cannot decode the audio", "type": "invalid_request_error"}})
            return
        entry.update({"codec": codec, "seconds": round(seconds, 2), "loudness": loudness, "heard": words})
        if SLOW_NEXT:
            time.sleep(SLOW_NEXT.pop(0))
        entry["text"] = words
        self.answer(200, {"text": words})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("STT_READY " + json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
