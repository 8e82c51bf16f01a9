"""Opening untrusted photos safely: the format, the pixel count (before decoding, so a
decompression bomb costs nothing) and a complete decode. Pillow's errors become ours.

Pillow decodes lazily: ``Image.open`` reads only the header, so a photo cut short opens fine and
fails (or, with ``ImageFile.LOAD_TRUNCATED_IMAGES``, is silently padded with grey) only when its
pixels are read. Hence the full ``load()`` here, with truncated loading forced off, and every
exception Pillow's plugins raise on damaged data turned into ``TruncatedImage``."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ocr.errors import ImageTooLarge, NotAnImage, TruncatedImage

# A 48-megapixel phone camera is 8000 × 6000; nothing we accept is larger.
MAX_PIXELS = 48_000_000
# MPO: the JPEG many phones write (a JPEG with a Multi-Picture index, e.g. a depth map appended).
FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "GIF", "BMP", "TIFF")


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    """The decoded image, or an ``ImageError``: format and size are checked before any pixel is
    decoded (a decompression bomb costs nothing), then the whole picture is decoded once."""
    if not data:
        raise NotAnImage("the file is empty")
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # some library switched it on for everyone: not for photos we keep
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about odd EXIF; under -W error that would be a 500
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
                raise ImageTooLarge(f"the image is too large to be a photo ({exc})") from None
            raise NotAnImage("the file is not an image (JPEG, PNG, WebP…)") from None
        except Exception as exc:  # a header Pillow cannot read through (struct.error and the like)
            raise TruncatedImage(f"the image is damaged or cut short ({exc})") from None
        width, height = image.size
        if image.format not in FORMATS:
            image.close()
            raise NotAnImage(f"{image.format} is not a photo format")
        if width * height > max_pixels:
            image.close()
            raise ImageTooLarge(f"{width}×{height} is more pixels than a phone photo ({max_pixels:,} at most)")
        try:
            image.load()
        except Image.DecompressionBombError as exc:
            image.close()
            raise ImageTooLarge(f"the image is too large to be a photo ({exc})") from None
        except Exception as exc:  # every plugin's way of saying the data ends or is damaged
            image.close()
            raise TruncatedImage(f"the image is damaged or cut short ({exc})") from None
        return image


def check_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Raise an ``ImageError`` unless ``data`` is a complete photo of a sane size."""
    with _decode(data, max_pixels) as image:
        return ImageInfo(str(image.format), image.width, image.height)


def open_photo(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The photo upright (EXIF orientation applied), in RGB, vetted like ``check_image``."""
    with _decode(data, max_pixels) as image:
        try:
            upright = ImageOps.exif_transpose(image)
        except (OSError, ValueError, SyntaxError):  # a broken EXIF block: keep the pixels as stored
            upright = image
        return upright.convert("RGB")
