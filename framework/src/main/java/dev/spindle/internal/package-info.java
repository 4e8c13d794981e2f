/**
 * Spindle's machinery, not its API: nothing under {@code dev.spindle.internal} is exported by the
 * module, and on the class path nothing here is meant for applications. It may change in any release.
 */
package dev.spindle.internal;
