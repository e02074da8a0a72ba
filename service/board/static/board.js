// The board's own script (the case page's diagram), served from /board/static so the CSP needs no inline script.
mermaid.initialize({ startOnLoad: true, securityLevel: "strict" });
