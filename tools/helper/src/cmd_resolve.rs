//! `ofiuco resolve-url`: find a file's URL in a Simple API page (PEP 691 JSON or PEP 503 HTML).

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use ofiuco_spec::text::quoted;
use url::Url;

#[derive(clap::Args)]
pub struct Args {
    /// The downloaded index page of one project.
    #[arg(long)]
    page: PathBuf,
    /// The URL the page was downloaded from (relative links resolve against it).
    #[arg(long)]
    page_url: String,
    /// The distribution file name to look for.
    #[arg(long)]
    filename: String,
}

pub fn run(args: &Args) -> Result<()> {
    let text = fs::read_to_string(&args.page)
        .with_context(|| format!("cannot read {}", args.page.display()))?;
    let base = Url::parse(&args.page_url)
        .with_context(|| format!("invalid page URL {}", quoted(&args.page_url)))?;
    let links = if text.trim_start().starts_with('{') {
        json_links(&text)?
    } else {
        html_links(&text)
    };
    for (name, href) in links {
        if name == args.filename || basename(&href) == args.filename {
            let mut url = base
                .join(&href)
                .with_context(|| format!("invalid link {} in {}", quoted(&href), args.page_url))?;
            url.set_fragment(None);
            println!("{url}");
            return Ok(());
        }
    }
    bail!(
        "{} is not listed on {}",
        quoted(&args.filename),
        quoted(&args.page_url)
    )
}

/// (file name, href) pairs of a PEP 691 JSON page.
fn json_links(text: &str) -> Result<Vec<(String, String)>> {
    #[derive(serde::Deserialize)]
    struct Page {
        files: Vec<File>,
    }
    #[derive(serde::Deserialize)]
    struct File {
        filename: String,
        url: String,
    }
    let page: Page = serde_json::from_str(text).context("not a PEP 691 JSON page")?;
    Ok(page
        .files
        .into_iter()
        .map(|f| (f.filename, f.url))
        .collect())
}

/// (anchor text, href) pairs of a PEP 503 HTML page: a flat list of `<a>`
/// elements. One pass over the text, no DOM: linear in the page whatever
/// its markup (a DOM parser took quadratic time on deeply nested tags).
fn html_links(text: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    // The open anchor: its href and the text seen so far.
    let mut open: Option<(String, String)> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if let Some((_, inner)) = &mut open {
                inner.push_str(rest);
            }
            break;
        };
        if let Some((_, inner)) = &mut open {
            inner.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let (tag, after) = split_tag(rest);
        rest = after;
        let name_end = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.eq_ignore_ascii_case("a") {
            // An anchor that was never closed ends where the next begins.
            links.extend(open.take().map(finish_link));
            if let Some(href) = attribute(&tag[name_end..], "href") {
                open = Some((href, String::new()));
            }
        } else if name.eq_ignore_ascii_case("/a") {
            links.extend(open.take().map(finish_link));
        }
    }
    links.extend(open.take().map(finish_link));
    links
}

fn finish_link((href, inner): (String, String)) -> (String, String) {
    (decode_entities(inner.trim()), decode_entities(&href))
}

/// Splits `<...>` (a quoted `>` inside does not end it) off the front of
/// `text`, which starts with `<`: (the tag without `<` and `>`, the rest).
fn split_tag(text: &str) -> (&str, &str) {
    let body = &text[1..];
    let mut quote = None;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return (&body[..i], &body[i + 1..]),
            _ => {}
        }
    }
    (body, "")
}

/// The value of attribute `wanted` (case-insensitive) in a tag's attribute text.
fn attribute(mut attrs: &str, wanted: &str) -> Option<String> {
    loop {
        attrs = attrs.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if attrs.is_empty() {
            return None;
        }
        let name_end = attrs
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(attrs.len());
        let name = &attrs[..name_end];
        attrs = attrs[name_end..].trim_start();
        let mut value = None;
        if let Some(after) = attrs.strip_prefix('=') {
            let after = after.trim_start();
            let (v, rest) = if let Some(q @ ('"' | '\'')) = after.chars().next() {
                let inner = &after[1..];
                match inner.find(q) {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => (inner, ""),
                }
            } else {
                let end = after
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            value = Some(v);
            attrs = rest;
        }
        if name.eq_ignore_ascii_case(wanted) {
            return value.map(str::to_string);
        }
    }
}

/// Decodes the character references of HTML text in one pass: `&amp;`,
/// `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;` and `&#xHH;`; anything else
/// stays as it is.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // A reference is short: look for its `;` nearby only (a page of
        // `&` without `;` must not make every `&` scan to the end).
        let semicolon = rest.as_bytes()[1..]
            .iter()
            .take(11)
            .position(|&b| b == b';');
        let decoded = semicolon.and_then(|end| {
            let name = &rest[1..=end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => name.strip_prefix('#').and_then(|d| d.parse().ok()),
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, end + 2))
        });
        if let Some((c, len)) = decoded {
            out.push(c);
            rest = &rest[len..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The last path segment of a link, percent-decoded (`torch-2.0.1%2Bcu118-…` -> `torch-2.0.1+cu118-…`).
fn basename(href: &str) -> String {
    let path = href.split(['#', '?']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    percent_decode(last)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_page_with_relative_and_encoded_links() {
        let page = r#"<html><body>
<a href="/whl/cu118/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl#sha256=aa">torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl</a><br/>
<a href="https://files.example/x/six-1.16.0-py2.py3-none-any.whl#sha256=bb" data-requires-python="&gt;=2.7">six-1.16.0-py2.py3-none-any.whl</a>
</body></html>"#;
        let links = html_links(page);
        assert_eq!(links.len(), 2);
        assert_eq!(
            basename(&links[0].1),
            "torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl"
        );
        assert_eq!(links[1].0, "six-1.16.0-py2.py3-none-any.whl");
    }

    #[test]
    fn html_markup_variants() {
        let page = "<!-- <a href=\"no\">no</a> --><A HREF='x/a-1.tar.gz#sha256=1' data-dist-info-metadata=\"sha256=2\">a-1.tar.gz</A>\n<a data-x=\"a>b\" href=y/b-1.zip >b-1.<b>zip</b></a><a href=\"z/c&amp;lt;.whl\">c&amp;lt;.whl<a href=\"w\">d &#x41;&#66;&bogus; &amp</a>";
        assert_eq!(
            html_links(page),
            [
                ("a-1.tar.gz".into(), "x/a-1.tar.gz#sha256=1".into()),
                ("b-1.zip".into(), "y/b-1.zip".into()),
                ("c&lt;.whl".into(), "z/c&lt;.whl".into()),
                ("d AB&bogus; &amp".into(), "w".into()),
            ]
        );
    }

    /// 200,000 nested tags took a DOM parser more than 30 s.
    #[test]
    fn deeply_nested_markup_is_linear() {
        const N: usize = 200_000;
        let page = format!(
            "{}<a href=\"f/six-1.16.0.tar.gz\">six-1.16.0.tar.gz</a>{}",
            "<div>".repeat(N),
            "</div>".repeat(N)
        );
        let links = html_links(&page);
        assert_eq!(
            links,
            [("six-1.16.0.tar.gz".into(), "f/six-1.16.0.tar.gz".into())]
        );
        // Unclosed anchors, quotes and comments do not make it rescan.
        let page = format!("{}<a href=\"x", "<a href=y>".repeat(N));
        assert_eq!(html_links(&page).len(), N + 1);
        let page = "<!--".repeat(N);
        assert!(html_links(&page).is_empty());
        let page = "<a href=\"a\" ".repeat(N);
        assert_eq!(html_links(&page).len(), 1);
        let page = format!("<a href=\"{}\">x</a>", "&".repeat(N));
        assert_eq!(html_links(&page)[0].1.len(), N);
    }

    #[test]
    fn json_page() {
        let page = r#"{"meta": {"api-version": "1.1"}, "name": "six", "files": [{"filename": "six-1.16.0.tar.gz", "url": "../../f/six-1.16.0.tar.gz", "hashes": {}}]}"#;
        assert_eq!(
            json_links(page).unwrap(),
            vec![(
                "six-1.16.0.tar.gz".into(),
                "../../f/six-1.16.0.tar.gz".into()
            )]
        );
    }
}
