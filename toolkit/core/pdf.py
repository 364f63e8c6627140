"""A PDF beside every page people print: WeasyPrint renders our own HTML with its print CSS.

One writer for every step (handouts, guides, reports), so every PDF follows the same rules:
A4 unless the page's ``@page`` rule says otherwise, and nothing fetched from outside the
folder the page lives in (a report holds participants' words; it must never make the machine
that renders it call another site, and a planted ``<img src="http://…">`` must not leak).
"""

from __future__ import annotations

from pathlib import Path

from toolkit.core.exceptions import ToolkitError

__all__ = ["PdfError", "write_pdf", "BASE_PRINT_CSS"]

#: Used when a page has no ``@page`` rule of its own: A4, margins a home printer can print.
BASE_PRINT_CSS = "@page { size: A4; margin: 15mm 14mm; }"


class PdfError(ToolkitError, RuntimeError):
    """Raised when a page cannot be turned into a PDF."""


def _local_only(root: Path):
    """A WeasyPrint fetcher that serves files under ``root`` (and data: URLs), nothing else."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher

    root = root.resolve()

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme == "file":
                target = Path(unquote(parsed.path)).resolve()
                if target == root or root in target.parents:
                    return super().fetch(url, headers)
            raise ValueError(f"{url!r} is outside the page's folder; it is left out of the PDF.")

    return LocalOnly(allowed_protocols=("file", "data"), allow_redirects=False)


def write_pdf(html_path: Path, pdf_path: Path | None = None) -> Path:
    """Render ``html_path`` to a PDF beside it (same name, ``.pdf``) and return the PDF's path.

    Images and styles are read only from the page's own folder; anything else is left out of
    the PDF (WeasyPrint logs it and goes on), so a page with a stray remote link still prints.
    """
    import logging

    from weasyprint import CSS, HTML

    html_path = Path(html_path)
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    if not html_path.is_file():
        raise PdfError(f"There is no page at {html_path} to turn into a PDF.")
    # WeasyPrint reports every refused or unsupported item on its own logger; those are our
    # choices (remote links refused, screen-only CSS ignored), not problems for a facilitator.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(
        filename=str(html_path),
        base_url=str(html_path.parent.resolve()),
        url_fetcher=_local_only(html_path.parent),
    )
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    try:
        document.write_pdf(tmp, stylesheets=[CSS(string=BASE_PRINT_CSS)])
        tmp.replace(pdf_path)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf_path
