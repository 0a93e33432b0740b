import ArgumentParser
import Primitives
import Store

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and inspect secp256k1 key files.",
        subcommands: [New.self, ShowAddress.self, NewMaster.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new private key to FILE (mode 0600) and print its address.")

        @Argument(help: "Path of the key file to create; an existing file is never overwritten.")
        var file: String

        func run() throws {
            do {
                let key = try KeyFile.create(at: file)
                print(key.address.checksummed)
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }

    struct NewMaster: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-master",
            abstract: "Write a new master key (encrypts the node's data at rest) to FILE, mode 0600.",
            discussion: "Keep it apart from the data directory and back it up: without it the chain's data cannot be read.")

        @Argument(help: "Path of the master key file to create; an existing file is never overwritten.")
        var file: String

        func run() throws {
            do {
                _ = try MasterKey.create(at: file)
                print("master key written to \(file)")
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }

    struct ShowAddress: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "address", abstract: "Print the address of the key in FILE.")

        @Argument(help: "Path of an existing key file.")
        var file: String

        func run() throws {
            do {
                print(try KeyFile.read(at: file).address.checksummed)
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }
}
