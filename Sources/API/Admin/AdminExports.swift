import Hummingbird
import NIOCore
import Node
import Primitives

/// An export streamed to the auditor as JSON Lines or CSV: records are read from the store a
/// page at a time and written in chunks, so memory stays flat however large the range.
struct AdminExport: Sendable {
    enum Format: String, Sendable { case jsonl, csv }

    let format: Format
    let name: String
    /// CSV columns: header and the path into the record's JSON (`receipt.status`).
    let columns: [(header: String, path: [String])]
    /// Calls `emit` with each record in order, until the range is exhausted.
    let produce: @Sendable (_ emit: (JSON) async throws -> Void) async throws -> Void

    var contentType: String { format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson" }
    var fileName: String { "\(name).\(format.rawValue)" }

    /// Bytes gathered before a chunk goes out.
    static let chunkSize = 64 * 1024

    /// Streams every record; returns how many were written. Each chunk is written before more
    /// records are read, so a slow client slows the export instead of filling the node's memory.
    func write(_ writer: inout any ResponseBodyWriter) async throws -> Int {
        var chunk = [UInt8]()
        chunk.reserveCapacity(Self.chunkSize + 4096)
        if format == .csv { chunk += Self.csvLine(columns.map(\.header)) }
        var records = 0
        try await produce { record in
            switch format {
            case .jsonl:
                record.write(into: &chunk)
                chunk.append(0x0a)
            case .csv:
                chunk += Self.csvLine(columns.map { Self.text(at: $0.path, in: record) })
            }
            records += 1
            if chunk.count >= Self.chunkSize {
                try await writer.write(ByteBuffer(bytes: chunk))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try await writer.write(ByteBuffer(bytes: chunk)) }
        return records
    }

    static func text(at path: [String], in record: JSON) -> String {
        var value = record
        for key in path {
            guard let next = value[key] else { return "" }
            value = next
        }
        switch value {
        case .null: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let text), .string(let text): return text
        case .array, .object: return String(decoding: value.serialized, as: UTF8.self)
        }
    }

    /// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. A field
    /// starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
    static func csvLine(_ fields: [String]) -> [UInt8] {
        var line = [UInt8]()
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            var text = field
            if let first = text.first, "=+-@".contains(first), Int(text) == nil { text = "'" + text }
            if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                line.append(UInt8(ascii: "\""))
                line += Array(text.replacingOccurrences(of: "\"", with: "\"\"").utf8)
                line.append(UInt8(ascii: "\""))
            } else {
                line += Array(text.utf8)
            }
        }
        line += [0x0d, 0x0a]
        return line
    }
}

