//! The runner's tracking link as a QR code in the terminal, so an organiser handing
//! out links at the start line can let each runner scan theirs instead of typing a
//! 200-character URL. Rendered with the `qrcode` crate, two modules per character
//! cell (upper and lower half blocks).

use qrcode::{QrCode, render::unicode::Dense1x2};

/// The terminal's background, which decides which character cells are "dark": a
/// scanner wants dark modules on a light ground, and on a dark terminal the blank
/// cells are the dark ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Background {
    /// A dark terminal (the usual): light modules are drawn.
    Dark,
    /// A light terminal: dark modules are drawn.
    Light,
}

/// `text` as a QR code of half-block characters, quiet zone included.
pub fn render(text: &str, background: Background) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| format!("no QR code for it: {e}"))?;
    let mut renderer = code.render::<Dense1x2>();
    if background == Background::Dark {
        renderer
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark);
    }
    Ok(renderer.quiet_zone(true).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_renders_as_a_square_of_half_blocks() {
        let link =
            "https://race.example/track?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJydW5uZXI6NyJ9.c2ln";
        let modules = QrCode::new(link.as_bytes()).unwrap().width();
        for background in [Background::Dark, Background::Light] {
            let text = render(link, background).unwrap();
            let rows: Vec<&str> = text.lines().collect();
            // Four modules of quiet zone each side; two modules per text row.
            let side = modules + 8;
            assert_eq!(rows.len(), side.div_ceil(2), "{text}");
            assert!(rows.iter().all(|r| r.chars().count() == side), "{text}");
            assert!(
                text.chars()
                    .all(|c| matches!(c, ' ' | '▀' | '▄' | '█' | '\n')),
                "{text}"
            );
        }
        // The two backgrounds draw opposite cells (but for the last row's lower half,
        // which is past the code when its side is odd).
        let dark = render(link, Background::Dark).unwrap();
        let light = render(link, Background::Light).unwrap();
        let swapped: String = light
            .chars()
            .map(|c| match c {
                ' ' => '█',
                '█' => ' ',
                '▀' => '▄',
                '▄' => '▀',
                c => c,
            })
            .collect();
        let all_but_last = |t: &str| {
            t.lines()
                .rev()
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(all_but_last(&dark), all_but_last(&swapped));
        // Different links, different codes.
        assert_ne!(
            light,
            render("https://race.example/track?token=x", Background::Light).unwrap()
        );
    }
}
