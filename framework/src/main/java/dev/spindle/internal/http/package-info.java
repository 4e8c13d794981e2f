/**
 * What the server adapter provides to a {@link dev.spindle.http.Context}: the narrow
 * {@link dev.spindle.internal.http.ServerRequest} SPI of raw request facts.
 */
package dev.spindle.internal.http;
