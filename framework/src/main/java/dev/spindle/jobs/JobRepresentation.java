package dev.spindle.jobs;

import dev.spindle.http.Context;
import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How jobs look over HTTP: the job resource, the page of {@code GET /jobs}, the webhook body, the
 * headers that go with them ({@code Location}, {@code Retry-After}, {@code Cache-Control}), and the
 * problems the job API answers with. Resources are maps built here field by field, so the wire
 * format is decided in one place rather than by the shape of {@link Job}.
 */
final class JobRepresentation {

    private final String basePath;
    private final String retryAfter;

    JobRepresentation(String basePath, Duration retryAfter) {
        this.basePath = basePath;
        this.retryAfter = Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    /** {@code 202 Accepted} with the new job's {@code Location}; returns its resource. */
    Object accepted(Context ctx, Job job) {
        ctx.status(HttpStatus.ACCEPTED).header("Location", self(job));
        return respond(ctx, job);
    }

    /** The job's resource, with {@code Retry-After} while it has not finished; never cached, since it changes. */
    Object respond(Context ctx, Job job) {
        if (!job.state().isFinished()) {
            ctx.header("Retry-After", retryAfter);
        }
        ctx.header("Cache-Control", "no-store");
        return resource(job);
    }

    /** The job as clients see it: the snapshot's fields, plus links. */
    Map<String, Object> resource(Job job) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", job.id());
        body.put("kind", job.kind());
        body.put("state", job.state().name());
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("percent", job.percent());
        progress.put("message", job.message());
        body.put("progress", progress);
        body.put("createdAt", text(job.createdAt()));
        body.put("startedAt", text(job.startedAt()));
        body.put("finishedAt", text(job.finishedAt()));
        if (job.state() == JobState.SUCCEEDED) {
            body.put("result", job.result());
        }
        if (job.error() != null) {
            body.put("error", job.error());
        }
        if (job.callbackUrl() != null) {
            body.put("callbackUrl", job.callbackUrl());
            body.put("deliveries", job.deliveries().stream().map(JobRepresentation::delivery).toList());
        }
        Map<String, String> links = new LinkedHashMap<>();
        links.put("self", self(job));
        links.put("events", self(job) + "/events");
        if (!job.state().isFinished()) {
            links.put("cancel", self(job));
        }
        body.put("links", links);
        return body;
    }

    /** What a webhook POSTs: the resource without the deliveries, which the delivery itself is adding to. */
    Map<String, Object> webhookBody(Job job) {
        Map<String, Object> body = resource(job);
        body.remove("deliveries");
        return body;
    }

    /** A page of {@code GET /jobs}: the jobs' resources and the links to the neighbouring pages. */
    Map<String, Object> page(List<Job> jobs, int offset, int limit, int total) {
        List<Map<String, Object>> items = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            items.add(resource(job));
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", items);
        page.put("offset", offset);
        page.put("limit", limit);
        page.put("total", total);
        Map<String, String> links = new LinkedHashMap<>();
        links.put("self", basePath + "?offset=" + offset + "&limit=" + limit);
        if (offset + limit < total) {
            links.put("next", basePath + "?offset=" + (offset + limit) + "&limit=" + limit);
        }
        if (offset > 0) {
            links.put("prev", basePath + "?offset=" + Math.max(0, offset - limit) + "&limit=" + limit);
        }
        page.put("links", links);
        return page;
    }

    /** {@code 404}: no such job. */
    HttpException notFound(String id) {
        return new HttpException(HttpStatus.NOT_FOUND, "No job has id " + id + " (it may have expired)");
    }

    /** {@code 503} with {@code Retry-After}: no job can be accepted now. */
    HttpException busy(String detail) {
        return new HttpException(HttpStatus.SERVICE_UNAVAILABLE, detail, Map.of("Retry-After", retryAfter));
    }

    /** {@code 400}: the callback URL cannot be used. */
    HttpException refusedCallback(String detail) {
        return new HttpException(HttpStatus.BAD_REQUEST, detail);
    }

    private static Map<String, Object> delivery(Delivery delivery) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", delivery.id());
        body.put("attempt", delivery.attempt());
        body.put("at", text(delivery.at()));
        body.put("status", delivery.status());
        body.put("outcome", delivery.outcome());
        body.put("detail", delivery.detail());
        return body;
    }

    private String self(Job job) {
        return basePath + "/" + job.id();
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
