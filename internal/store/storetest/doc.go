// Package storetest is the conformance suite for archive.BlobStore. Every
// implementation runs it from its own tests:
//
//	func TestSuite(t *testing.T) {
//		storetest.Suite{Open: openStore, Corrupt: corruptBlob}.Run(t)
//	}
package storetest
