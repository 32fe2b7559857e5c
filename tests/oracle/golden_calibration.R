# Golden values for tests/analysis/test_calibration_oracle.py, from R's survey package.
# Run from the repository root:  Rscript tests/oracle/golden_calibration.R
# Data: tests/oracle/data/plain.csv; margins: tests/oracle/data/margins.csv (hand-written).
#
# raked.csv, raked_domains.csv — raking to the margins of unit and stratum:
#   des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
#   rk  <- calibrate(des, ~unit + stratum, population = <totals below>, calfun = "raking",
#                    epsilon = 1e-14, maxit = 1000)
#   estimate, se <- 100 * svycontrast(svyratio(~s_q1+..., ~v_q1+..., rk), a) per node a,
#                   in the whole sample (raked.csv) and in subset(rk, unit == U) (domains)
#   all_satisfied <- 100 * svyratio(~all_sat, ~any_valid, rk)
# beta.csv — Korn-Graubard intervals of item indices, whole sample, no calibration:
#   ci_low, ci_high <- 100 * svyciprop(~s_k, subset(des, v_k == 1), method = "beta")
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args) >= 1) args[1] else "tests/oracle"
out_dir <- if (length(args) >= 2) args[2] else file.path(root, "golden")
items <- paste0("q", 1:7)
contrasts <- read.csv(file.path(root, "data", "contrasts.csv"), check.names = FALSE)
d <- read.csv(file.path(root, "data", "plain.csv"),
              colClasses = c(stratum = "character", psu = "character", unit = "character"))
for (k in items) {
  d[[paste0("v_", k)]] <- as.numeric(!is.na(d[[k]]))
  d[[paste0("s_", k)]] <- as.numeric(!is.na(d[[k]]) & d[[k]] >= 4)
}
v <- as.matrix(d[paste0("v_", items)]); s <- as.matrix(d[paste0("s_", items)])
d$any_valid <- as.numeric(rowSums(v) > 0)
d$all_sat <- as.numeric(rowSums(v) > 0 & rowSums(s) == rowSums(v))

# population totals in model.matrix(~unit + stratum) form, from the margins file
m <- read.csv(file.path(root, "data", "margins.csv"), colClasses = "character")
m$count <- as.numeric(m$count)
units <- m[m$margin == "unit", ]; strata <- m[m$margin == "stratum", ]
population <- c(sum(units$count), units$count[-1], strata$count[-1])
names(population) <- c("(Intercept)", paste0("unit", units$category[-1]),
                       paste0("stratum", strata$category[-1]))

des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
rk <- calibrate(des, ~unit + stratum, population = population, calfun = "raking",
                epsilon = 1e-14, maxit = 1000)
stopifnot(abs(svytotal(~unit, rk)[["unitU4"]] - 900) < 1e-6)

nodes <- function(des, domain) {
  r <- svyratio(as.formula(paste("~", paste0("s_", items, collapse = "+"))),
                as.formula(paste("~", paste0("v_", items, collapse = "+"))), des, covmat = TRUE)
  idx <- sapply(seq_along(items), function(k) (k - 1) * length(items) + k)
  est <- coef(r)[idx]; V <- vcov(r)[idx, idx]
  rows <- lapply(seq_len(nrow(contrasts)), function(i) {
    a <- as.numeric(contrasts[i, items])
    data.frame(domain = domain, code = contrasts$code[i], estimate = 100 * sum(a * est),
               se = 100 * sqrt(as.numeric(t(a) %*% V %*% a)))
  })
  all <- svyratio(~all_sat, ~any_valid, des)
  rbind(do.call(rbind, rows), data.frame(domain = domain, code = "all_satisfied",
                                         estimate = 100 * coef(all), se = 100 * SE(all)))
}
write.csv(nodes(rk, ""), file.path(out_dir, "raked.csv"), row.names = FALSE)
write.csv(do.call(rbind, lapply(sort(unique(d$unit)), function(u) nodes(subset(rk, unit == u), u))),
          file.path(out_dir, "raked_domains.csv"), row.names = FALSE)

beta <- do.call(rbind, lapply(items, function(k) {
  valid <- subset(des, des$variables[[paste0("v_", k)]] == 1)
  ci <- attr(svyciprop(as.formula(paste0("~s_", k)), valid, method = "beta"), "ci")
  data.frame(code = k, ci_low = 100 * ci[1], ci_high = 100 * ci[2], df = degf(valid),
             n = nrow(valid))
}))
write.csv(beta, file.path(out_dir, "beta.csv"), row.names = FALSE)
