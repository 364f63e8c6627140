"""The PDF writer: A4 pages from our HTML, and nothing fetched from outside the page's folder."""

from __future__ import annotations

import http.server
import threading

import pytest
from pypdf import PdfReader

from toolkit.core.pdf import PdfError, write_pdf


def test_writes_an_a4_pdf_beside_the_page(tmp_path):
    page = tmp_path / "handout.html"
    page.write_text("<html><body><h1>Session</h1><p>مرحبا</p></body></html>", encoding="utf-8")
    pdf = write_pdf(page)
    assert pdf == tmp_path / "handout.pdf"
    pages = PdfReader(pdf).pages
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "مرحبا" in pages[0].extract_text() or "Session" in pages[0].extract_text()


def test_a_missing_page_is_a_plain_error(tmp_path):
    with pytest.raises(PdfError, match="no page"):
        write_pdf(tmp_path / "nothing.html")


def test_a_planted_remote_image_is_never_fetched(tmp_path):
    """An attacker's text in a report must not make the renderer call out (a tracking pixel)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        page = tmp_path / "report.html"
        page.write_text(
            f'<html><body><p>ok</p><img src="http://127.0.0.1:{port}/pixel.png">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"></body></html>',
            encoding="utf-8",
        )
        outside = tmp_path.parent / f"{tmp_path.name}-secret.png"
        outside.write_bytes(b"not an image")
        (tmp_path / "second.html").write_text(
            f'<html><body><img src="../{outside.name}"></body></html>', encoding="utf-8"
        )
        assert write_pdf(page).read_bytes().startswith(b"%PDF")
        assert write_pdf(tmp_path / "second.html").read_bytes().startswith(b"%PDF")
    finally:
        server.shutdown()
    assert hits == []
