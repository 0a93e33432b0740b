/// The console's own stylesheet, served at `/console/static/console.css` (the CSP allows
/// styles from this listener only, so there is no inline style anywhere).
enum ConsoleStyle {
    static let css = """
        :root { --ink: #1d2430; --muted: #5b6575; --line: #d5dae1; --accent: #0b5cad; --bad: #a4161a; --good: #1f7a3a; --paper: #fff; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f5f7fa; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: var(--ink); color: #fff; }
        header a { color: #fff; }
        header button { color: var(--ink); background: #fff; border: 1px solid #fff; border-radius: 3px; cursor: pointer; }
        .skip { position: absolute; left: -999px; top: 0; background: #fff; color: var(--ink); padding: .4rem .8rem; }
        .skip:focus { left: .5rem; z-index: 1; }
        .brand { font-weight: 600; margin: 0; }
        nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
        .sign-out { margin-left: auto; display: flex; align-items: center; gap: .5rem; }
        main { max-width: 80rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
        main.narrow { max-width: 32rem; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f0b400; outline-offset: 1px; }
        code { font: 13px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
        .table { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; background: var(--paper); }
        caption { text-align: left; font-weight: 600; padding: .4rem 0; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f5; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: var(--paper); padding: .8rem; border: 1px solid var(--line); }
        dt { font-weight: 600; } dd { margin: 0; }
        form.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: flex-end; background: var(--paper); padding: .8rem; border: 1px solid var(--line); }
        form.filters label { display: flex; flex-direction: column; font-size: .85rem; }
        label { font-weight: 600; }
        input, select, button { font: inherit; padding: .3rem .5rem; }
        main form:not(.filters) { display: flex; flex-direction: column; gap: .5rem; }
        .error { color: var(--bad); font-weight: 600; }
        .deny, .failed { color: var(--bad); } .allow, .success { color: var(--good); }
        .pages { display: flex; gap: 1rem; margin: .8rem 0; }
        .figures { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
        .figures li { background: var(--paper); border: 1px solid var(--line); padding: .6rem .9rem; min-width: 10rem; }
        .figures strong { display: block; font-size: 1.3rem; }
        svg { background: var(--paper); border: 1px solid var(--line); max-width: 100%; height: auto; }
        svg .bar { fill: var(--accent); } svg .axis { stroke: var(--muted); } svg text { fill: var(--muted); font-size: 11px; }
        ul.plain { list-style: none; margin: 0; padding: 0; }
        .diff-added { background: #e6f4ea; } .diff-removed { background: #fce8e6; }
        """
}
