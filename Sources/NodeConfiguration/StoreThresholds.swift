import ConfigFiles

extension NodeConfig {
    /// When the store turns its append-only records into compact ones (`[storage]`).
    ///
    /// The defaults suit a production chain; small values exist so that a test or a crash run
    /// crosses both thresholds within seconds instead of hours.
    public struct StoreThresholds: Sendable, Equatable {
        /// Blocks that changed ledger entries before the changed entries are folded into the
        /// state table (`fold_interval_blocks`). Larger: a hot account is rewritten less often,
        /// but more journal is replayed on open.
        public var foldIntervalBlocks: Int = Self.defaultFoldIntervalBlocks
        /// Transactions held in memory before their hash index is written as one sorted run
        /// (`index_run_size`). Larger: fewer, better-ordered index writes, more memory and more
        /// to rebuild on open.
        public var indexRunSize: Int = Self.defaultIndexRunSize

        public static let defaultFoldIntervalBlocks = 256
        public static let defaultIndexRunSize = 65_536
        public static let foldIntervalRange = 1...1_000_000
        public static let indexRunSizeRange = 1...16_777_216

        public init(foldIntervalBlocks: Int = Self.defaultFoldIntervalBlocks, indexRunSize: Int = Self.defaultIndexRunSize) {
            self.foldIntervalBlocks = foldIntervalBlocks
            self.indexRunSize = indexRunSize
        }

        /// Reads both keys from `[storage]`; each is optional and checked against its range.
        static func parse(_ storage: TableReader) throws(ConfigError) -> StoreThresholds {
            StoreThresholds(
                foldIntervalBlocks: try storage.optionalInteger("fold_interval_blocks", in: foldIntervalRange)
                    ?? defaultFoldIntervalBlocks,
                indexRunSize: try storage.optionalInteger("index_run_size", in: indexRunSizeRange) ?? defaultIndexRunSize)
        }
    }
}
