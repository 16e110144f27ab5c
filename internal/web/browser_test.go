package web_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which `make test` installs when it is missing.
const chromiumPath = "/usr/bin/chromium"

// browserTurn lets one browser test run at a time: the other tests run beside it, but two
// Chromiums on a small machine make each other's timeouts.
var browserTurn sync.Mutex

// browser starts a headless Chromium for the test and returns a function that opens a new,
// separate browser profile (its own cookies): one per person in the scenario.
func browser(t *testing.T) func() context.Context {
	t.Helper()
	browserTurn.Lock()
	t.Cleanup(browserTurn.Unlock)
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: run the tests with `make test`, which installs Debian's chromium", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900))
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, stopRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root, chromedp.Navigate("about:blank")); err != nil {
		stopRoot()
		stopAlloc()
		t.Fatalf("chromium: %v", err)
	}
	t.Cleanup(func() {
		stopRoot()
		stopAlloc()
	})
	return func() context.Context {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		// The bound is for a whole person's session, which in the accessibility test visits every
		// page: a minute was too short while make test ran the other packages beside it.
		ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
		t.Cleanup(func() {
			cancelTimeout()
			cancel()
		})
		return ctx
	}
}

// do runs browser steps and fails the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor checks a JavaScript condition until it holds, across page loads (a form submission
// navigates while the check runs).
func waitFor(expression string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		deadline := time.Now().Add(10 * time.Second)
		for {
			ok, err := chromedp.Evaluate[bool]("!!("+expression+")")(ctx, tg)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				where, _ := chromedp.Evaluate[string]("location.href")(ctx, tg)
				return fmt.Errorf("still false after 10 s on %s: %s (last error: %v)", where, expression, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expression string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// press activates a button as a keyboard user does (focus, then Enter), which does not depend
// on where the button is on the screen.
func press(selector string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(selector)), chromedp.KeyEvent("\r"))
}
