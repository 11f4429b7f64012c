package importer

import (
	"testing"

	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
