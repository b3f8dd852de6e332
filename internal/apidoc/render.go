package apidoc

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
)

func renderMarkdown(blocks []block) []byte {
	var w bytes.Buffer
	for i, bl := range blocks {
		if i > 0 {
			w.WriteString("\n")
		}
		switch b := bl.(type) {
		case heading:
			fmt.Fprintf(&w, "%s <a id=\"%s\"></a>%s\n", strings.Repeat("#", b.level), b.anchor, b.text)
		case para:
			fmt.Fprintf(&w, "%s\n", b.text)
		case list:
			for _, item := range b.items {
				fmt.Fprintf(&w, "- %s\n", item)
			}
		case table:
			fmt.Fprintf(&w, "| %s |\n|%s\n", strings.Join(b.header, " | "), strings.Repeat("---|", len(b.header)))
			for _, row := range b.rows {
				fmt.Fprintf(&w, "| %s |\n", strings.Join(row, " | "))
			}
		case code:
			fmt.Fprintf(&w, "```%s\n%s\n```\n", b.lang, b.text)
		}
	}
	return w.Bytes()
}

// style keeps the page readable with no external resource at all: the
// server sends it with a Content-Security-Policy that allows nothing else.
const style = `body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem 2rem;color:#1b1f23}
h1,h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em}h3{margin-top:2em}
code{font:13px ui-monospace,monospace;background:#f3f4f6;padding:.1em .3em;border-radius:3px}
pre{background:#f3f4f6;padding:.8em;overflow:auto;border-radius:4px}pre code{padding:0}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}`

func renderHTML(blocks []block) []byte {
	var w bytes.Buffer
	title := "REST API reference"
	w.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	w.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&w, "<title>Valence %s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n", title, style)
	for _, bl := range blocks {
		switch b := bl.(type) {
		case heading:
			fmt.Fprintf(&w, "<h%d id=\"%s\">%s</h%d>\n", b.level, b.anchor, inlineHTML(b.text), b.level)
		case para:
			fmt.Fprintf(&w, "<p>%s</p>\n", inlineHTML(b.text))
		case list:
			w.WriteString("<ul>\n")
			for _, item := range b.items {
				fmt.Fprintf(&w, "<li>%s</li>\n", inlineHTML(item))
			}
			w.WriteString("</ul>\n")
		case table:
			w.WriteString("<table>\n<tr>")
			for _, h := range b.header {
				fmt.Fprintf(&w, "<th>%s</th>", inlineHTML(h))
			}
			w.WriteString("</tr>\n")
			for _, row := range b.rows {
				w.WriteString("<tr>")
				for _, c := range row {
					fmt.Fprintf(&w, "<td>%s</td>", inlineHTML(strings.ReplaceAll(c, `\|`, "|")))
				}
				w.WriteString("</tr>\n")
			}
			w.WriteString("</table>\n")
		case code:
			fmt.Fprintf(&w, "<pre><code>%s</code></pre>\n", html.EscapeString(b.text))
		}
	}
	w.WriteString("</body>\n</html>\n")
	return w.Bytes()
}

var (
	codeSpan = regexp.MustCompile("`([^`]*)`")
	strong   = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	link     = regexp.MustCompile(`\[([^\]]+)\]\((#[a-z0-9-]+)\)`)
	anchor   = regexp.MustCompile(`&lt;a id=&#34;([a-z0-9-]+)&#34;&gt;&lt;/a&gt;`)
)

// inlineHTML renders the inline Markdown the generator writes: code spans
// (whose content is literal), **strong**, links to anchors of the page, and
// the anchors it puts in table cells. Everything else is escaped text.
func inlineHTML(s string) string {
	// Code spans first, so that nothing inside them is interpreted; they
	// come back once the rest is done.
	var spans []string
	s = codeSpan.ReplaceAllStringFunc(s, func(m string) string {
		spans = append(spans, "<code>"+html.EscapeString(m[1:len(m)-1])+"</code>")
		return fmt.Sprintf("\x00%d\x00", len(spans)-1)
	})
	s = html.EscapeString(s)
	s = anchor.ReplaceAllString(s, `<a id="$1"></a>`)
	s = strong.ReplaceAllString(s, "<strong>$1</strong>")
	s = link.ReplaceAllString(s, `<a href="$2">$1</a>`)
	for i, sp := range spans {
		s = strings.Replace(s, fmt.Sprintf("\x00%d\x00", i), sp, 1)
	}
	return s
}
