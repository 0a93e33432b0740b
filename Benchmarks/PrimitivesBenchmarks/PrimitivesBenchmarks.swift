// Benchmarks of the foundation's hot paths. Run with
//   CLOISTER_BENCHMARKS=1 swift package --disable-sandbox benchmark --target PrimitivesBenchmarks
import Benchmark
import Primitives
import Transactions

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(2))

    let input32 = [UInt8](repeating: 0x5a, count: 32)
    Benchmark("Keccak-256 of 32 bytes") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Keccak256.hash(input32)) }
    }

    let input136 = [UInt8](repeating: 0x5a, count: 136)
    Benchmark("Keccak-256 of 136 bytes") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Keccak256.hash(input136)) }
    }

    let key = PrivateKey.generate()
    let message = Keccak256.hash(Array("benchmark".utf8))
    let signature = key.sign(messageHash: message)
    Benchmark("secp256k1 recover address") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? Secp256k1.recoverAddress(messageHash: message, signature: signature))
        }
    }

    let transfer = TransactionCodec.sign(
        .dynamicFee(
            chainID: 1, nonce: 42, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 60_000, to: key.address, value: 0,
            data: [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0x11, count: 64)),
        with: key
    ).rawBytes
    let validator = TransactionValidator(chainID: 1)
    Benchmark("type-2 transaction decode + validate + recover") { benchmark in
        for _ in benchmark.scaledIterations {
            let signed = try TransactionCodec.decode(transfer)
            try validator.validate(signed)
            blackHole(try signed.recoverSender())
        }
    }
    Benchmark("type-2 transaction decode + validate (no recovery)") { benchmark in
        for _ in benchmark.scaledIterations {
            let signed = try TransactionCodec.decode(transfer)
            try validator.validate(signed)
            blackHole(signed)
        }
    }

    let aesKey = SecureRandom.bytes(32)
    let record = SecureRandom.bytes(256)
    let associatedData = Array("accounts/0123456789abcdef".utf8)
    Benchmark("AES-256-GCM seal 256 bytes") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try AES256GCM.seal(record, key: aesKey, associatedData: associatedData))
        }
    }
    let sealed = try! AES256GCM.seal(record, key: aesKey, associatedData: associatedData)
    Benchmark("AES-256-GCM open 256 bytes") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try AES256GCM.open(sealed, key: aesKey, associatedData: associatedData))
        }
    }
}
