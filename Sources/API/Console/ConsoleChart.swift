import Foundation

/// Charts drawn on the server as inline SVG: no script, no external asset, nothing to load.
enum ConsoleChart {
    /// A bar chart of `values`, oldest first, with its largest value on the axis and a text
    /// alternative (`role="img"`, `aria-label`) for screen readers.
    static func bars(_ values: [Double], label: String) -> HTML {
        let width = 600.0
        let height = 160.0
        let left = 40.0
        let bottom = 20.0
        let peak = max(values.max() ?? 0, 1)
        let step = (width - left) / Double(max(values.count, 1))
        var parts: [HTML] = [.element("title", label)]
        for (index, value) in values.enumerated() {
            let barHeight = (height - bottom - 10) * value / peak
            parts.append(
                .element(
                    "rect",
                    [
                        .class("bar"), Attribute("x", number(left + Double(index) * step + 1)),
                        Attribute("y", number(height - bottom - barHeight)),
                        Attribute("width", number(step - 2)), Attribute("height", number(barHeight)),
                    ], [.element("title", String(format: "%.2f per second", value))]))
        }
        parts.append(
            .void(
                "line",
                [
                    .class("axis"), Attribute("x1", number(left)), Attribute("y1", number(height - bottom)),
                    Attribute("x2", number(width)), Attribute("y2", number(height - bottom)),
                ]))
        parts.append(.element("text", [Attribute("x", "2"), Attribute("y", "14")], String(format: "%.1f/s", peak)))
        parts.append(.element("text", [Attribute("x", "2"), Attribute("y", number(height - bottom))], "0"))
        parts.append(.element("text", [Attribute("x", number(left)), Attribute("y", number(height - 4))], "older"))
        parts.append(.element("text", [Attribute("x", number(width - 30)), Attribute("y", number(height - 4))], "now"))
        return .element(
            "svg",
            [
                Attribute("xmlns", "http://www.w3.org/2000/svg"),
                Attribute("viewBox", "0 0 \(number(width)) \(number(height))"),
                Attribute("width", number(width)), Attribute("height", number(height)), Attribute("role", "img"),
                Attribute("aria-label", label),
            ], parts)
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
