package ui

import (
	"path/filepath"
	"sync"
	"testing"

	"bartedit/app"
	"bartedit/app/apptest"
)

// twoModels serves "emoji" and "photos" from two fixtures (class- and
// text-conditional), so the card shows which one runs.
type twoModels struct {
	mu    sync.Mutex
	loads []string
}

var modelFixtures = map[string]string{
	app.EmojiModel:  "../model/testdata/fixture-text.bart",
	app.PhotosModel: "../model/testdata/fixture-class.bart",
}

func (m *twoModels) Names() []string { return []string{app.EmojiModel, app.PhotosModel} }

func (m *twoModels) Load(name string) (app.Runner, error) {
	m.mu.Lock()
	m.loads = append(m.loads, name)
	m.mu.Unlock()
	eng, err := apptest.Load(modelFixtures[name])
	if err != nil {
		return nil, err
	}
	return app.NewWorker(eng, eng.Card()), nil
}

func newModelsHarness(t *testing.T) (*harness, *app.Prefs, *[]app.Prefs) {
	h := newHarness(t)
	prefs := &app.Prefs{}
	var saved []app.Prefs
	env := h.ed.env
	env.Models, env.Model, env.Prefs = &twoModels{}, app.EmojiModel, prefs
	env.SavePrefs = func(p app.Prefs) error { saved = append(saved, p); return nil }
	h.ed = New(env)
	h.frame()
	return h, prefs, &saved
}

func (h *harness) cardName() string { return h.ed.card.Name }

// Auto picks the photos model for a photograph and the emoji model for an
// emoji-sized drawing; a model chosen by hand stays for every picture and
// is remembered; Auto goes back to picking.
func TestModelFollowsPictureAndChoice(t *testing.T) {
	h, prefs, saved := newModelsHarness(t)
	photos, emoji := filepath.Base(modelFixtures[app.PhotosModel]), filepath.Base(modelFixtures[app.EmojiModel])
	photos, emoji = photos[:len(photos)-5], emoji[:len(emoji)-5]
	if h.cardName() != emoji {
		t.Fatalf("starts on %s", h.cardName())
	}
	h.open(800, 600)
	h.until("the photos model for a photograph", func() bool { return h.cardName() == photos })
	if h.ed.models.current != app.PhotosModel || h.ed.models.loading != "" {
		t.Fatalf("picker state %+v", h.ed.models)
	}
	h.open(64, 64)
	h.until("the emoji model for a drawing", func() bool { return h.cardName() == emoji })

	// Chosen by hand: remembered, and a photograph no longer switches.
	i := 1 // photos
	h.ed.models.buttons[i].Click()
	h.frame()
	h.until("the chosen model", func() bool { return h.cardName() == photos })
	if prefs.Model != app.PhotosModel || len(*saved) == 0 || (*saved)[len(*saved)-1].Model != app.PhotosModel {
		t.Fatalf("choice not remembered: prefs %+v, saved %+v", *prefs, *saved)
	}
	h.open(64, 64)
	h.frame()
	if h.ed.models.loading != "" || h.cardName() != photos {
		t.Fatalf("a chosen model was switched for a drawing (loading %q, card %s)", h.ed.models.loading, h.cardName())
	}

	// Auto again: the drawing gets the emoji model.
	h.ed.models.auto.Click()
	h.frame()
	h.until("auto to pick again", func() bool { return h.cardName() == emoji })
	if prefs.Model != "" {
		t.Fatalf("Auto left %q remembered", prefs.Model)
	}
}

// A run waiting for Accept keeps its model: switching is refused with a
// message, and the run's result stays.
func TestNoModelSwitchDuringRun(t *testing.T) {
	h, _, _ := newModelsHarness(t)
	h.open(64, 64)
	h.frame()
	h.paintBlob()
	h.ed.startRun()
	h.until("the run to finish", func() bool { return h.ed.Pending() })
	before := h.cardName()
	h.ed.models.buttons[1].Click()
	h.frame()
	if h.ed.models.loading != "" || h.cardName() != before || !h.ed.Pending() {
		t.Fatalf("switched models with a result pending (loading %q, card %s)", h.ed.models.loading, h.cardName())
	}
	if !h.ed.statusBad {
		t.Errorf("no message; status %q", h.ed.Status())
	}
}
