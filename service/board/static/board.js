// The board's only script, served from /board/static so the Content-Security-Policy needs no inline script.
mermaid.initialize({ startOnLoad: true, securityLevel: "strict" });
