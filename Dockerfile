FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY state_machines ./state_machines
COPY service ./service
COPY workflows ./workflows
COPY notifications ./notifications
COPY calendars ./calendars
RUN pip install --no-cache-dir .
ENV IPCASE_DATABASE_URL=sqlite:////data/ipcase.db
EXPOSE 8000
CMD ["ipcase", "serve", "--host", "0.0.0.0", "--port", "8000"]
