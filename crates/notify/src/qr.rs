//! QR codes of ticket tokens: the one renderer behind
//! `GET /tickets/{id}/qr.png|svg` and the images in confirmation e-mails.

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("QR encoding failed: {0}")]
    Encode(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrFormat {
    Png,
    Svg,
}

impl QrFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }
}

/// The QR code of `token` (error correction M, at least 320 px, with its
/// quiet zone) as PNG or SVG.
pub fn render(token: &str, format: QrFormat) -> Result<Vec<u8>, QrError> {
    use qrcode::{EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(token.as_bytes(), EcLevel::M)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    Ok(match format {
        QrFormat::Svg => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(320, 320)
            .quiet_zone(true)
            .build()
            .into_bytes(),
        QrFormat::Png => {
            use image::ImageEncoder as _;
            let img = code.render::<image::Luma<u8>>().min_dimensions(320, 320).quiet_zone(true).build();
            let mut out = Vec::new();
            image::codecs::png::PngEncoder::new(&mut out)
                .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::L8)
                .map_err(|e| QrError::Png(e.to_string()))?;
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_png_and_svg() {
        let token = "A".repeat(135);
        let png = render(&token, QrFormat::Png).unwrap_or_default();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = String::from_utf8(render(&token, QrFormat::Svg).unwrap_or_default()).unwrap_or_default();
        assert!(svg.contains("<svg"));
    }
}
