// Node and API tests use the sequencer's fixtures (ChainFixture, PolicyFiles, the polling
// helpers) through this module, as they did before those moved below the shell.
@_exported import SequencerTestSupport
