//! QR codes of the links a runner's phone needs, so an organiser handing them out at
//! the start line lets each runner scan theirs instead of typing a 200-character URL:
//! in the terminal ([`render`], two modules per character cell, upper and lower half
//! blocks) and on the console's pages ([`svg`], inline SVG). Both from the `qrcode`
//! crate.

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

/// `text` as an inline SVG QR code, quiet zone included, `size` CSS pixels wide:
/// one path of the dark modules on a white square, named `label` for screen readers
/// (an image without a name is a serious axe violation).
pub fn svg(text: &str, size: u32, label: &str) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| format!("no QR code for it: {e}"))?;
    let width = code.width();
    let side = width + 8;
    // One rectangle per run of dark modules in a row: a third of the text of one
    // square per module.
    let colors = code.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < row.len() {
            let run = row[x..]
                .iter()
                .take_while(|c| **c == qrcode::Color::Dark)
                .count();
            if run > 0 {
                path.push_str(&format!("M{} {}h{run}v1h-{run}z", x + 4, y + 4));
            }
            x += run.max(1);
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" width=\"{size}\" height=\"{size}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{label}\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>",
        label = crate::console::sign_in::escape(label),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_code_has_one_square_per_dark_module() {
        let link = "https://race.example/track?token=x";
        let code = QrCode::new(link.as_bytes()).unwrap();
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == qrcode::Color::Dark)
            .count();
        let svg = svg(link, 200, "a code").unwrap();
        // The runs' lengths add up to the dark modules.
        let drawn: usize = svg
            .split('M')
            .skip(1)
            .map(|run| run.split('h').nth(1).unwrap().split('v').next().unwrap())
            .map(|n| n.parse::<usize>().unwrap())
            .sum();
        assert_eq!(drawn, dark);
        let side = code.width() + 8;
        assert!(
            svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")),
            "{svg}"
        );
    }

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
