import ArgumentParser
import Primitives
import ProverJobs
import Store

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and inspect key files: secp256k1 keys, the master key, the prover key.",
        subcommands: [New.self, ShowAddress.self, NewMaster.self, NewProver.self]
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

    struct NewProver: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-prover",
            abstract: "Write a new prover key (seals the witnesses of prover jobs) to FILE, mode 0600.",
            discussion: """
                The node (`[settlement] prover_key_file`) and every `cloister prover` worker need the same file. \
                It opens the witnesses of the batches in the job queue, nothing else.
                """)

        @Argument(help: "Path of the prover key file to create; an existing file is never overwritten.")
        var file: String

        func run() throws {
            do {
                let key = try ProverKey.create(at: file)
                print("prover key \(key.id) written to \(file)")
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
