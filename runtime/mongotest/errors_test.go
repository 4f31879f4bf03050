package mongotest

import "testing"

// TestCodeNames checks names against mongod's error_codes.yml, for the
// codes this server once misnamed and the ones its limits report.
func TestCodeNames(t *testing.T) {
	for code, want := range map[int32]string{
		15: "Overflow", 52: "DollarPrefixedFieldName", 64: "WriteConcernTimeout",
		246: "SnapshotUnavailable", 267: "PreparedTransactionInProgress", 10334: "BSONObjectTooLarge",
		11601: "Interrupted", 91331: "RetriableRemoteCommandFailure",
		40431: "Location40431", 17419: "Location17419",
	} {
		if got := codeName(code); got != want {
			t.Errorf("codeName(%d) = %q, want %q", code, got, want)
		}
	}
}
