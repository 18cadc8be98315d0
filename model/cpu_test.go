package model_test

import (
	"testing"

	"bartedit/model"
	"bartedit/model/backendtest"
)

func TestCPUConformance(t *testing.T) { backendtest.Run(t, model.NewCPU()) }
