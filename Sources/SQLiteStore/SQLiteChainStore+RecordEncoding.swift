import Store

// MARK: - Record layouts: row ids bound into the associated data, journal records, state entries

extension SQLiteChainStore {
    /// Row id used as associated data for rows keyed by a number (blocks, audit entries).
    static func blockRowID(_ number: UInt64) -> [UInt8] { RecordLayout.numberRowID(number) }

    /// A block's changed entries as one record: their count, then for each a length-prefixed key and value.
    static func encodeJournal(_ entries: [StateEntry]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(entries.reduce(4) { $0 + 8 + $1.key.count + $1.value.count })
        withUnsafeBytes(of: UInt32(entries.count).bigEndian) { bytes += $0 }
        for entry in entries {
            withUnsafeBytes(of: UInt32(entry.key.count).bigEndian) { bytes += $0 }
            bytes += entry.key
            withUnsafeBytes(of: UInt32(entry.value.count).bigEndian) { bytes += $0 }
            bytes += entry.value
        }
        return bytes
    }

    /// The entries of `encodeJournal`, or nil if the bytes are not exactly such a record.
    static func decodeJournal(_ bytes: [UInt8]) -> [StateEntry]? {
        var entries = [StateEntry]()
        var offset = 0
        func length() -> Int? {
            guard bytes.count - offset >= 4 else { return nil }
            defer { offset += 4 }
            return bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        func field() -> [UInt8]? {
            guard let length = length(), bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<(offset + length)])
        }
        guard let count = length() else { return nil }
        for _ in 0..<count {
            guard let key = field(), let value = field() else { return nil }
            entries.append(StateEntry(key: key, value: value))
        }
        return offset == bytes.count ? entries : nil
    }

    static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] { RecordLayout.stateRecord(key: bytes, value: []) }

    static func splitLengthPrefixed(_ bytes: [UInt8]) -> ([UInt8], [UInt8])? { RecordLayout.splitStateRecord(bytes) }
}
