//! `ofiuco resolve-url`: find a file's URL in a Simple API page (PEP 691 JSON or PEP 503 HTML).

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
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

pub fn run(args: Args) -> Result<()> {
    let text = fs::read_to_string(&args.page)
        .with_context(|| format!("cannot read {}", args.page.display()))?;
    let base = Url::parse(&args.page_url)
        .with_context(|| format!("invalid page URL `{}`", args.page_url))?;
    let links = if text.trim_start().starts_with('{') {
        json_links(&text)?
    } else {
        html_links(&text)?
    };
    for (name, href) in links {
        if name == args.filename || basename(&href) == args.filename {
            let mut url = base
                .join(&href)
                .with_context(|| format!("invalid link `{href}` in {}", args.page_url))?;
            url.set_fragment(None);
            println!("{url}");
            return Ok(());
        }
    }
    bail!("{} is not listed on {}", args.filename, args.page_url)
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

/// (anchor text, href) pairs of a PEP 503 HTML page.
fn html_links(text: &str) -> Result<Vec<(String, String)>> {
    let dom = tl::parse(text, tl::ParserOptions::default()).context("not an HTML page")?;
    let parser = dom.parser();
    let mut links = Vec::new();
    for node in dom.query_selector("a").into_iter().flatten() {
        let Some(tag) = node.get(parser).and_then(|n| n.as_tag()) else {
            continue;
        };
        let Some(Some(href)) = tag.attributes().get("href") else {
            continue;
        };
        let href = decode_entities(&href.as_utf8_str());
        let name = decode_entities(tag.inner_text(parser).trim());
        links.push((name, href));
    }
    Ok(links)
}

fn decode_entities(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#43;", "+")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
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
        let links = html_links(page).unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(
            basename(&links[0].1),
            "torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl"
        );
        assert_eq!(links[1].0, "six-1.16.0-py2.py3-none-any.whl");
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
