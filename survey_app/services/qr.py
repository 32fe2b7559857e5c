"""QR codes for service points: PNG and SVG images, and printable A4 posters (PDF)."""
import io
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import qrcode
import qrcode.image.svg
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from survey_app.services import instrument_store
from survey_app.services.links import base_url

POSTER_FONT = "DejaVuSans"


def survey_url(token):
    return f"{base_url()}/s/{token}"


def kiosk_url(token):
    """The address to open on a tablet at the counter (resets itself for the next citizen)."""
    return f"{base_url()}/k/{token}"


class Poster(NamedTuple):
    unit_name: str
    point_name: str
    url: str
    minutes: int | None  # the questionnaire's time; None when it is not loaded


def poster_for(point):
    """The poster of a service point with a live QR token."""
    current = instrument_store.current_version(point.instrument_code)
    minutes = current[1].minutes_to_answer if current else None
    return Poster(point.unit.name_vi, point.name_vi, survey_url(point.current_token.token),
                  minutes)


def poster_wording(minutes):
    """The poster's promise in Vietnamese and English, with the questionnaire's own time."""
    if minutes is None:
        return ("Phiếu không ghi tên.", "Scan to tell us how satisfied you are (anonymous).")
    unit = "minute" if minutes == 1 else "minutes"
    return (f"Phiếu không ghi tên, chỉ mất khoảng {minutes} phút.",
            f"Scan to tell us how satisfied you are (about {minutes} {unit}, anonymous).")


def qr_svg(url):
    """An SVG (text) of the QR code for ``url``; error correction M survives a worn poster."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage,
                        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def qr_png(url, box_size=10):
    image = qrcode.make(url, error_correction=qrcode.constants.ERROR_CORRECT_M,
                        box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _font():
    """Register a font with Vietnamese glyphs (DejaVu Sans, shipped inside matplotlib)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    pdfmetrics.registerFont(TTFont(POSTER_FONT, str(path)))
    pdfmetrics.registerFont(TTFont(POSTER_FONT + "-Bold", str(path.with_name("DejaVuSans-Bold.ttf"))))
    return POSTER_FONT


def _centred_lines(pdf, text, font, size, y, width, max_width):
    """Draw ``text`` centred, wrapped at ``max_width``; return the y below it."""
    words, line, lines = text.split(), "", []
    for word in words:
        trial = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) > max_width and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    for text_line in lines:
        pdf.setFont(font, size)
        pdf.drawCentredString(width / 2, y, text_line)
        y -= size * 1.35
    return y


def posters_pdf(posters):
    """One A4 page per poster. ``posters``: iterable of ``Poster``."""
    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle("hailong QR")
    width, height = A4
    for unit_name, point_name, url, minutes in posters:
        promise_vi, promise_en = poster_wording(minutes)
        y = _centred_lines(pdf, unit_name, font + "-Bold", 20, height - 30 * mm, width, width - 40 * mm)
        y = _centred_lines(pdf, point_name, font, 16, y - 4 * mm, width, width - 40 * mm)
        side = 120 * mm
        widget = QrCodeWidget(url, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, (width - side) / 2, y - side - 8 * mm)
        y = y - side - 20 * mm
        y = _centred_lines(pdf, "Quét mã QR để đánh giá sự hài lòng của Ông/Bà", font + "-Bold",
                           18, y, width, width - 40 * mm)
        y = _centred_lines(pdf, promise_vi, font, 14, y - 2 * mm, width, width - 40 * mm)
        _centred_lines(pdf, promise_en, font, 11, y - 4 * mm, width, width - 40 * mm)
        pdf.setFont(font, 8)
        pdf.drawCentredString(width / 2, 12 * mm, url)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
