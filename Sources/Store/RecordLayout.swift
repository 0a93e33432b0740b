/// Byte layouts every engine seals records in, so that a record means the same in each.
public enum RecordLayout {
    /// Row id bound into the associated data of rows keyed by a number (blocks, audit entries, journal rows).
    public static func numberRowID(_ number: UInt64) -> [UInt8] {
        withUnsafeBytes(of: number.bigEndian) { Array($0) }
    }

    /// A ledger entry as one record: the key's length (4 bytes, big-endian), the key, the value.
    public static func stateRecord(key: [UInt8], value: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(key.count).bigEndian) { Array($0) } + key + value
    }

    /// The key and value of `stateRecord`, or nil if the bytes are too short to be one.
    public static func splitStateRecord(_ bytes: [UInt8]) -> (key: [UInt8], value: [UInt8])? {
        guard bytes.count >= 4 else { return nil }
        let length = Int(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard bytes.count >= 4 + length else { return nil }
        return (Array(bytes[4..<(4 + length)]), Array(bytes[(4 + length)...]))
    }
}
