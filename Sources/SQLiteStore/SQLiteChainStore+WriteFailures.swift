import Foundation
import GRDB
import Store

extension SQLiteChainStore {
    /// The error for a failed write. A full disk is named as such, with the folder to free
    /// space in: nothing else is wrong, and the node writes again by itself once it can.
    func writeFailure(_ action: String, _ error: any Error) -> StoreError {
        let diskFull = (error as? DatabaseError)?.resultCode == .SQLITE_FULL || "\(error)".contains("database or disk is full")
        if diskFull {
            let directory = (path as NSString).deletingLastPathComponent
            return .database(
                "\(action): the disk holding \(directory) is full; free space there and the node goes on by itself (\(error))")
        }
        if let error = error as? StoreError { return error }
        return .database("\(action): \(error)")
    }
}
