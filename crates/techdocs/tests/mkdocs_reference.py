"""Builds a fixture site with MkDocs + mkdocs-techdocs-core (as Backstage's generator does)
and prints, as JSON, what the fidelity test compares: pages with titles, heading ids, link
targets and prev/next, and the nav tree.

Usage: python mkdocs_reference.py <site folder holding mkdocs.yml>
Run with the virtualenv made by tests/prepare.sh.
"""

import json
import logging
import os
import re
import shutil
import sys
import tempfile

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.plugins import BasePlugin

HEADING_ID = re.compile(r'<h[1-6][^>]*?\sid="([^"]*)"')
ANCHOR = re.compile(r'<a\s([^>]*)>')
IMG = re.compile(r'<img\s[^>]*?src="([^"]*)"')
HREF = re.compile(r'href="([^"]*)"')
CLASS = re.compile(r'class="([^"]*)"')
SKIPPED_LINK_CLASSES = {"headerlink", "footnote-ref", "footnote-backref"}


def links_of(html):
    out = []
    for attrs in ANCHOR.findall(html):
        classes = set((CLASS.search(attrs) or [None, ""])[1].split())
        href = HREF.search(attrs)
        if href and not classes & SKIPPED_LINK_CLASSES:
            out.append(href.group(1))
    return out


class Dump(BasePlugin):
    def __init__(self):
        self.pages = {}
        self.nav = []

    def on_page_content(self, html, page, config, files):
        self.pages[page.file.src_uri] = {
            "html": html,
        }
        return html

    def on_post_page(self, output, page, config):
        entry = self.pages[page.file.src_uri]
        entry["title"] = page.title
        entry["url"] = page.url
        entry["previous"] = page.previous_page.file.src_uri if page.previous_page else None
        entry["next"] = page.next_page.file.src_uri if page.next_page else None
        return output

    def on_nav(self, nav, config, files):
        def item(node):
            if node.is_section:
                return {"title": node.title, "section": [item(c) for c in node.children]}
            if node.is_page:
                return {"title": node.title, "page": node.file.src_uri}
            return {"title": node.title, "link": node.url}

        self.nav_items = nav.items
        self.item = item
        return nav


def main():
    source = os.path.abspath(sys.argv[1])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        site_src = os.path.join(tmp, "src")
        shutil.copytree(source, site_src)
        config_path = os.path.join(site_src, "mkdocs.yml")
        with open(config_path, encoding="utf-8") as f:
            text = f.read()
        # Backstage adds techdocs-core when the site does not list it.
        if "techdocs-core" not in text:
            text += "\nplugins:\n  - techdocs-core\n"
            with open(config_path, "w", encoding="utf-8") as f:
                f.write(text)
        cwd = os.getcwd()
        os.chdir(site_src)  # snippets resolve from the working directory, as in TechDocs
        try:
            config = load_config(config_file=config_path, site_dir=os.path.join(tmp, "site"))
            dump = Dump()
            config.plugins["greenroom-dump"] = dump
            build(config)
        finally:
            os.chdir(cwd)
        pages = []
        for src_uri, entry in sorted(dump.pages.items()):
            html = entry["html"]
            pages.append({
                "src_uri": src_uri,
                "url": entry["url"],
                "title": entry["title"],
                "heading_ids": HEADING_ID.findall(html),
                "links": links_of(html),
                "images": IMG.findall(html),
                "previous": entry["previous"],
                "next": entry["next"],
            })
        nav = [dump.item(n) for n in dump.nav_items]
        json.dump({"pages": pages, "nav": nav}, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
