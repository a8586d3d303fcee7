package report_test

import (
	"os"
	"testing"

	"github.com/aajil/aajil/store/storetest"
)

// TestMain shares one real Redis among the package's tests; each test
// opens its own key prefix with storetest.Open.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
