# escape=`
FROM mcr.microsoft.com/windows
RUN dir c:\ `
  && echo done
SHELL ["powershell", "-command"]
